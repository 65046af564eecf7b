import type { Job } from "@clementine/shared";
import type { Firestore } from "firebase-admin/firestore";
import { logger } from "firebase-functions";
import { isStuck } from "../core/deadlines.js";
import { describeError, jobError } from "../core/jobErrors.js";
import { failJob } from "../lib/jobs/failJob.js";
import { findStuckJobs, type StuckJobsPage } from "../lib/jobs/findStuckJobs.js";

const PAGE = 200;
const MAX_PAGES = 10;

/**
 * Fails with TIMEOUT every job whose worker died mid-run or whose task never
 * arrived. Each job is re-checked inside its own transaction, so a job that
 * finished (or was claimed) since the query is left alone.
 */
export async function sweepStuckJobsCore(db: Firestore, nowMs = Date.now()): Promise<number> {
  let swept = 0;
  let cursor: StuckJobsPage["next"] = null;
  for (let page = 0; page < MAX_PAGES; page++) {
    const { jobs, next } = await findStuckJobs(db, nowMs, PAGE, cursor);
    for (const { projectId, jobId } of jobs) {
      try {
        const failed = await failJob(db, projectId, jobId, (job) => (isStuck(job, nowMs) ? stuckError(job) : null));
        if (failed) {
          swept++;
          logger.error("job.failed", { projectId, sessionId: failed.sessionId, jobId, code: "TIMEOUT", detail: failed.error?.detail });
        }
      } catch (error) {
        logger.error("sweep.job_not_failed", { projectId, jobId, detail: describeError(error) });
      }
    }
    if (!next) break;
    cursor = next;
  }
  logger.info("sweep.done", { swept });
  return swept;
}

function stuckError(job: Job) {
  const deadline = job.deadlineAt ? new Date(job.deadlineAt.toMillis()).toISOString() : "none";
  return job.status === "pending"
    ? jobError("TIMEOUT", `swept: never picked up by a worker before ${deadline}`)
    : jobError("TIMEOUT", `swept: worker stopped before finishing; deadline was ${deadline} (node ${job.progress.currentNode + 1} of ${job.progress.totalNodes})`);
}
