import { z } from "zod";
import { TransformConfig } from "./experience.js";
import { Timestamp } from "./ids.js";

export const JobStatus = z.enum([
  /** Created and accepted; no delivery has taken its run yet. */
  "pending",
  /** Its run was taken by a delivery (one holder at a time, by lease) and has not ended. */
  "running",
  /** Every node ran; `output` holds their results. */
  "completed",
  /** Ended with `error`; the session's guest may start a new job. */
  "failed",
  /** Stopped by an admin before it ended; the session's guest may start a new job. */
  "cancelled",
]);
export type JobStatus = z.infer<typeof JobStatus>;

export const JobErrorCode = z.enum([
  /** A node of the transform threw. */
  "NODE_FAILED",
  /** The job ran past TRANSFORM_JOB_TIMEOUT_SECONDS; `nodeId` names the node that overran. */
  "TIMEOUT",
  /** No longer produced (a job whose enqueue fails is picked up by the sweeper); kept so older job documents still parse. */
  "ENQUEUE_FAILED",
  /** Anything else; details are for admins only. */
  "INTERNAL",
]);
export type JobErrorCode = z.infer<typeof JobErrorCode>;

export const JobProgress = z.object({
  /** Nodes finished so far. */
  currentNode: z.int().min(0),
  totalNodes: z.int().min(1),
  /** 0–100, whole numbers. */
  percentage: z.int().min(0).max(100),
});
export type JobProgress = z.infer<typeof JobProgress>;

/** What a guest may see of a failure: a code and a message safe to show. */
export const ClientJobError = z.object({ code: JobErrorCode, message: z.string() });
export type ClientJobError = z.infer<typeof ClientJobError>;

/** What an admin sees: the client view plus the technical detail. */
export const JobError = ClientJobError.extend({
  detail: z.string(),
  nodeId: z.string().nullable(),
});
export type JobError = z.infer<typeof JobError>;

export const NodeResult = z.object({ nodeId: z.string(), type: z.string(), result: z.record(z.string(), z.unknown()) });
export const JobOutput = z.object({ nodes: z.array(NodeResult) });
export type JobOutput = z.infer<typeof JobOutput>;

/** `/projects/{projectId}/jobs/{jobId}` — written by the server only, read by project admins. */
export const Job = z.object({
  projectId: z.string(),
  sessionId: z.string(),
  experienceId: z.string(),
  stepId: z.string(),
  status: JobStatus,
  progress: JobProgress,
  /** The transform and the session's inputs as they were when the job was created. */
  input: z.object({
    transform: TransformConfig,
    sessionInputs: z.record(z.string(), z.unknown()),
  }),
  output: JobOutput.nullable(),
  error: JobError.nullable(),
  /** While running: past this the job fails with TIMEOUT (TRANSFORM_JOB_TIMEOUT_SECONDS after it started). */
  deadlineAt: Timestamp.nullable(),
  /** Commits that wrote its run so far; each one also writes this job and the session, in the same batch. */
  revision: z.int().min(1),
  createdAt: Timestamp,
  startedAt: Timestamp.nullable(),
  finishedAt: Timestamp.nullable(),
  updatedAt: Timestamp,
});
export type Job = z.infer<typeof Job>;
