import type { Job, SessionJobView } from "@clementine/shared";

/**
 * The client-safe part of a job that its session mirrors. Every job write
 * puts this into the session in the same commit, so the two never disagree.
 */
export function sessionView(jobId: string, job: Job): SessionJobView {
  return {
    jobId,
    jobStatus: job.status,
    jobProgress: job.progress,
    jobError: job.error ? { code: job.error.code, message: job.error.message } : null,
  };
}
