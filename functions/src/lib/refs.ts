import type { Firestore } from "firebase-admin/firestore";

export const projectDoc = (db: Firestore, projectId: string) => db.collection("projects").doc(projectId);
export const sessionRef = (db: Firestore, projectId: string, sessionId: string) =>
  projectDoc(db, projectId).collection("sessions").doc(sessionId);
export const experienceRef = (db: Firestore, projectId: string, experienceId: string) =>
  projectDoc(db, projectId).collection("experiences").doc(experienceId);
export const jobsCollection = (db: Firestore, projectId: string) => projectDoc(db, projectId).collection("jobs");
export const jobRef = (db: Firestore, projectId: string, jobId: string) => jobsCollection(db, projectId).doc(jobId);

export const assetsCollection = (db: Firestore, uid: string) => db.collection("users").doc(uid).collection("assets");
export const assetRef = (db: Firestore, uid: string, assetId: string) => assetsCollection(db, uid).doc(assetId);
/** `asset_processed` events, one per run that ended: the spec's per-user room, as a collection only its user may read. */
export const userEventsCollection = (db: Firestore, uid: string) => db.collection("users").doc(uid).collection("events");
