import type { JobOutput } from "@clementine/shared";
import type { Firestore } from "firebase-admin/firestore";
import { progressAfter } from "../../core/progress.js";
import { changeJob } from "./changeJob.js";

/** running → completed, with the output and full progress in one write. False when no longer running. */
export async function completeJob(db: Firestore, projectId: string, jobId: string, output: JobOutput): Promise<boolean> {
  const result = await changeJob(db, projectId, jobId, (job, now) => {
    if (job.status !== "running") return { outcome: false };
    const total = job.progress.totalNodes;
    return {
      outcome: true,
      next: { ...job, status: "completed", progress: progressAfter(total, total), output, deadlineAt: null, finishedAt: now },
    };
  });
  return result.found && result.outcome;
}
