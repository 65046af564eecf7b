import type { DocumentReference, Firestore } from "firebase-admin/firestore";

export const runsCollection = (db: Firestore) => db.collection("runs");
export const runRef = (db: Firestore, runId: string) => runsCollection(db).doc(runId);
export const eventsCollection = (run: DocumentReference) => run.collection("events");
/** Zero-padded, so the ids sort in sequence order too. */
export const eventRef = (run: DocumentReference, seq: number) => eventsCollection(run).doc(String(seq).padStart(6, "0"));
