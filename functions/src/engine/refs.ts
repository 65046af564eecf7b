import { createHash } from "node:crypto";
import type { DocumentReference, Firestore } from "firebase-admin/firestore";

export const runsCollection = (db: Firestore) => db.collection("runs");
export const runRef = (db: Firestore, runId: string) => runsCollection(db).doc(runId);
export const eventsCollection = (run: DocumentReference) => run.collection("events");
/** Zero-padded, so the ids sort in sequence order too. */
export const eventRef = (run: DocumentReference, seq: number) => eventsCollection(run).doc(String(seq).padStart(6, "0"));

/** A dedup key's document: the latest run started with it. Hashed: keys are caller text. */
export const runKeyRef = (db: Firestore, pipeline: string, projectId: string, dedupKey: string) =>
  db.collection("runKeys").doc(createHash("sha256").update(`${pipeline}\n${projectId}\n${dedupKey}`).digest("hex"));
/** A concurrency scope's gate: which runs hold its slots. */
export const gateRef = (db: Firestore, scope: string) => db.collection("runGates").doc(createHash("sha256").update(scope).digest("hex").slice(0, 40));
