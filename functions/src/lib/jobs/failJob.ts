import type { Job, JobError, JobStatus } from "@clementine/shared";
import type { Firestore } from "firebase-admin/firestore";
import { changeJob } from "./changeJob.js";

/**
 * → failed, if `errorFor` returns an error for the job as it is now (read
 * inside the transaction). Callers return null for a job they must not fail:
 * already ended, claimed meanwhile, no longer past its deadline. Returns the
 * failed job, or null when nothing changed.
 */
export async function failJob(
  db: Firestore,
  projectId: string,
  jobId: string,
  errorFor: (job: Job) => JobError | null,
): Promise<Job | null> {
  const result = await changeJob(db, projectId, jobId, (job, now) => {
    const error = errorFor(job);
    if (!error) return { outcome: false };
    return { outcome: true, next: { ...job, status: "failed", error, deadlineAt: null, finishedAt: now } };
  });
  return result.found && result.outcome ? result.job : null;
}

/** The usual `errorFor`: fail with `error` only while the job is still `status`. */
export const whileStatus =
  (status: JobStatus, error: JobError) =>
  (job: Job): JobError | null =>
    job.status === status ? error : null;
