import { z } from "zod";
import { ClientJobError, JobProgress, JobStatus } from "./job.js";

/** The client-safe mirror of a session's job, written in the same commit as the job itself. */
export const SessionJobView = z.object({
  jobId: z.string().nullable(),
  jobStatus: JobStatus.nullable(),
  jobProgress: JobProgress.nullable(),
  jobError: ClientJobError.nullable(),
});
export type SessionJobView = z.infer<typeof SessionJobView>;

/** `/projects/{projectId}/sessions/{sessionId}` — guests read their own; job fields are server-written. */
export const Session = z.looseObject({
  experienceId: z.string().min(1),
  guestUid: z.string().min(1),
  /** What the guest captured, by step id; snapshotted into the job at start. */
  inputs: z.record(z.string(), z.unknown()).optional(),
  jobId: z.string().nullable().default(null),
  jobStatus: JobStatus.nullable().default(null),
  jobProgress: JobProgress.nullable().default(null),
  jobError: ClientJobError.nullable().default(null),
});
export type Session = z.infer<typeof Session>;
