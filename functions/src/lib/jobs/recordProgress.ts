import type { Firestore } from "firebase-admin/firestore";
import { progressAfter } from "../../core/progress.js";
import { changeJob } from "./changeJob.js";

/** running → running with more nodes done. False when the job is no longer running (e.g. swept). */
export async function recordProgress(db: Firestore, projectId: string, jobId: string, finishedNodes: number): Promise<boolean> {
  const result = await changeJob(db, projectId, jobId, (job) => {
    if (job.status !== "running") return { outcome: false };
    return { outcome: true, next: { ...job, progress: progressAfter(finishedNodes, job.progress.totalNodes) } };
  });
  return result.found && result.outcome;
}
