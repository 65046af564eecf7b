import { Timestamp, type Firestore } from "firebase-admin/firestore";
import { SWEEP_GRACE_MS } from "../../core/deadlines.js";

/** The composite index this query needs; `firestore.indexes.json` is checked against it in a test. */
export const STUCK_JOBS_INDEX = {
  collectionGroup: "jobs",
  queryScope: "COLLECTION_GROUP",
  fields: [
    { fieldPath: "status", order: "ASCENDING" },
    { fieldPath: "deadlineAt", order: "ASCENDING" },
  ],
} as const;

export interface StuckJobRef {
  projectId: string;
  jobId: string;
}

/** Pending or running jobs, in any project, whose deadline passed more than the grace period ago. */
export async function findStuckJobs(db: Firestore, nowMs: number, limit: number): Promise<StuckJobRef[]> {
  const snap = await db
    .collectionGroup("jobs")
    .where("status", "in", ["pending", "running"])
    .where("deadlineAt", "<", Timestamp.fromMillis(nowMs - SWEEP_GRACE_MS))
    .orderBy("deadlineAt")
    .limit(limit)
    .get();
  return snap.docs.map((doc) => ({ projectId: String(doc.get("projectId")), jobId: doc.id }));
}
