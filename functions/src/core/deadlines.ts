import type { Job } from "@clementine/shared";

/**
 * How long after a job's own deadline the sweeper waits before failing it:
 * a live worker enforces the deadline itself, the sweeper only catches jobs
 * whose worker died (or whose task never arrived).
 */
export const SWEEP_GRACE_MS = 30_000;

/** The longest job timeout a task can honour: Cloud Tasks' 30 min dispatch deadline, less a margin. */
export const MAX_JOB_TIMEOUT_SECONDS = 1800 - 120;

/** Cloud Tasks (15 s – 30 min) must not cut the request before the handler has recorded the TIMEOUT itself. */
export function dispatchDeadlineSeconds(jobTimeoutSeconds: number): number {
  return Math.min(1800, jobTimeoutSeconds + 60);
}

export function checkJobTimeout(seconds: number): number {
  if (!Number.isInteger(seconds) || seconds < 1 || seconds > MAX_JOB_TIMEOUT_SECONDS) {
    throw new RangeError(`TRANSFORM_JOB_TIMEOUT_SECONDS must be a whole number from 1 to ${MAX_JOB_TIMEOUT_SECONDS}, got ${seconds}`);
  }
  return seconds;
}

/** A pending job must be picked up, and a running one must finish, within the job timeout. */
export function deadlineAfter(fromMs: number, jobTimeoutSeconds: number): number {
  return fromMs + jobTimeoutSeconds * 1000;
}

/** True when the sweeper should fail the job with TIMEOUT. */
export function isStuck(job: Pick<Job, "status" | "deadlineAt">, nowMs: number, graceMs = SWEEP_GRACE_MS): boolean {
  if (job.status !== "pending" && job.status !== "running") return false;
  return job.deadlineAt !== null && job.deadlineAt.toMillis() + graceMs < nowMs;
}
