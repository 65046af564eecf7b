import { Timestamp, type DocumentSnapshot, type Firestore } from "firebase-admin/firestore";
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

export interface StuckJobsPage {
  jobs: StuckJobRef[];
  /** Pass back to get the next page; null after the last one. */
  next: DocumentSnapshot | null;
}

/** Pending or running jobs, in any project, whose deadline passed more than the grace period ago. */
export async function findStuckJobs(db: Firestore, nowMs: number, limit: number, after: DocumentSnapshot | null = null): Promise<StuckJobsPage> {
  let query = db
    .collectionGroup("jobs")
    .where("status", "in", ["pending", "running"])
    .where("deadlineAt", "<", Timestamp.fromMillis(nowMs - SWEEP_GRACE_MS))
    .orderBy("deadlineAt")
    .limit(limit);
  if (after) query = query.startAfter(after);
  const snap = await query.get();
  return {
    // The path, not a field, says which project a job belongs to.
    jobs: snap.docs.map((doc) => ({ projectId: doc.ref.parent.parent!.id, jobId: doc.id })),
    next: snap.size === limit ? snap.docs[snap.size - 1]! : null,
  };
}
