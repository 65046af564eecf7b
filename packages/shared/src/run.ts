import { z } from "zod";
import { DocumentId, Timestamp } from "./ids.js";

export const RunStatus = z.enum([
  /** Created and enqueued; no delivery has taken it yet. */
  "pending",
  /** Taken by a delivery at least once and not ended: executing, or parked until a step's retry or sleep is due. */
  "running",
  /** Every step completed; `executionData` holds their merged outputs. */
  "completed",
  /** A step failed with no retries left (or not retryable), or the run passed its timeout. */
  "failed",
  /** Stopped on request; a step that was executing finished, but nothing after it ran. */
  "cancelled",
]);
export type RunStatus = z.infer<typeof RunStatus>;

export const TERMINAL_RUN_STATUSES: readonly RunStatus[] = ["completed", "failed", "cancelled"];

export const StepStatus = z.enum([
  /** Not started yet: its dependencies are not done, or it was reset by a retry from failure. */
  "pending",
  /** Executing in the invocation that holds the run's lease. */
  "running",
  /** Waiting until `wakeAt`: for its next attempt after a failure, or (a sleep step) for its time to pass. */
  "waiting",
  /** Done: its output is memoized and it never runs again, in this invocation or any other. */
  "completed",
  /** Out of attempts, or failed with a non-retryable error: the run fails with it. */
  "failed",
]);
export type StepStatus = z.infer<typeof StepStatus>;

/** A failure as admins see it; `message` alone is safe to show anyone. */
export const RunError = z.object({
  code: z.string(),
  message: z.string(),
  detail: z.string(),
  /** The step that failed, if one did. */
  step: z.string().nullable(),
});
export type RunError = z.infer<typeof RunError>;

/** How far an executing step has got, as it reported (`ctx.progress`): e.g. files copied of files to copy. */
export const StepProgress = z.object({ done: z.int().min(0), total: z.int().min(0) });
export type StepProgress = z.infer<typeof StepProgress>;

export const StepRecord = z.object({
  status: StepStatus,
  attempts: z.int().min(0),
  output: z.unknown(),
  error: z.object({ message: z.string(), detail: z.string() }).nullable(),
  wakeAt: Timestamp.nullable(),
  startedAt: Timestamp.nullable(),
  finishedAt: Timestamp.nullable(),
  /** The latest progress the step reported, if it reports any. */
  progress: StepProgress.nullable().default(null),
});
export type StepRecord = z.infer<typeof StepRecord>;

export const RunProgress = z.object({
  completedSteps: z.int().min(0),
  totalSteps: z.int().min(1),
  percentage: z.int().min(0).max(100),
});
export type RunProgress = z.infer<typeof RunProgress>;

/** Higher starts first when runs wait for a slot (spec FR-013); 0 is normal. */
export const RunPriority = z.int().min(-100).max(100);
export const DEFAULT_RUN_PRIORITY = 0;

/** How long a finished run stays in the history before it is deleted (spec FR-006). */
export const RUN_RETENTION_DAYS = 30;

/**
 * A run's place in its pipeline's concurrency queue (present when the pipeline
 * declares a limit). `rank` orders waiting runs: priority first, then creation.
 */
export const RunAdmission = z.object({
  /** The gate the run needs a slot of: the pipeline, or the pipeline and a key. */
  scope: z.string(),
  /** Lower goes first. */
  rank: z.number(),
  /** True while the run needs a slot and does not hold one: the gate's releases wake it. */
  waiting: z.boolean(),
});
export type RunAdmission = z.infer<typeof RunAdmission>;

/** `/runs/{runId}`: the only truth about a run, for every pipeline. Written by the server only. */
export const RunRecord = z.object({
  pipeline: z.string(),
  /** The project whose admins may see and steer the run. */
  projectId: z.string(),
  status: RunStatus,
  payload: z.unknown(),
  /** An id the caller knows the run by (a detector's message id), or null. */
  correlationId: z.string().nullable(),
  /** While this run is pending or running, another start with the same key returns this run (spec FR-014). */
  dedupKey: z.string().nullable().default(null),
  priority: RunPriority.default(DEFAULT_RUN_PRIORITY),
  /** A delayed start: no step runs before this time (spec FR-011). */
  startAt: Timestamp.nullable().default(null),
  /** The run this one replays (same payload, started again from scratch). */
  replayOf: z.string().nullable().default(null),
  admission: RunAdmission.nullable().default(null),
  steps: z.record(z.string(), StepRecord),
  /** The payload with each completed step's output merged in. */
  executionData: z.record(z.string(), z.unknown()),
  progress: RunProgress,
  error: RunError.nullable(),
  /** When the run next needs a delivery if nobody holds it: the sweeper's clock. Null once ended. */
  wakeAt: Timestamp.nullable(),
  /** The invocation executing the run, until `expiresAt`. */
  lease: z.object({ holder: z.string(), expiresAt: Timestamp }).nullable(),
  /** Set when the run starts: past it, the run fails with TIMEOUT. */
  deadlineAt: Timestamp.nullable(),
  /** Events written so far; the next event's sequence number is this plus one. */
  eventCount: z.int().min(0),
  /** Commits that wrote this run, its creation included: what a run costs in Firestore writes. */
  commits: z.int().min(1).default(1),
  createdAt: Timestamp,
  startedAt: Timestamp.nullable(),
  finishedAt: Timestamp.nullable(),
  updatedAt: Timestamp,
  /** Once ended: when the run leaves the history (a Firestore TTL policy in production, `cleanupRuns` everywhere). */
  expiresAt: Timestamp.nullable().default(null),
});
export type RunRecord = z.infer<typeof RunRecord>;

export const RunEventType = z.enum([
  /** The first delivery took the run. */
  "pipeline:started",
  /** A step completed; `progress` is the run's after it. */
  "pipeline:step_completed",
  /** A step reported progress while it runs (`stepProgress`). */
  "pipeline:step_progress",
  /** An attempt of a step failed; a retry or the run's failure follows. */
  "pipeline:step_failed",
  /** The failed step runs again at `retryAt`. */
  "pipeline:retry_scheduled",
  /** A sleep step parks the run until `retryAt`. */
  "pipeline:step_sleeping",
  /** A step's rate limit had no room: it runs when the window allows, at `retryAt` (no attempt counted). */
  "pipeline:step_throttled",
  "pipeline:completed",
  /** `error` says why; `step` names the step that failed, if one did. */
  "pipeline:failed",
  "pipeline:cancelled",
  /** An admin retried the failed run from its failed step. */
  "pipeline:retried",
]);
export type RunEventType = z.infer<typeof RunEventType>;

/** `…/runs/{runId}/events/{seq}`: the run's log, in order; a listener follows it with `orderBy("seq")`. */
/** Event names before they became pipeline:* (runs stored by an earlier version still read). */
const LEGACY_EVENT_TYPES: Record<string, RunEventType> = {
  "run.started": "pipeline:started",
  "step.completed": "pipeline:step_completed",
  "step.failed": "pipeline:step_failed",
  "step.retry_scheduled": "pipeline:retry_scheduled",
  "step.sleeping": "pipeline:step_sleeping",
  "run.completed": "pipeline:completed",
  "run.failed": "pipeline:failed",
  "run.cancelled": "pipeline:cancelled",
  "run.retried": "pipeline:retried",
};

export const RunEvent = z.object({
  /** The run (execution) this event belongs to. */
  runId: z.string().default(""),
  seq: z.int().min(1),
  type: z.preprocess((type) => (typeof type === "string" ? (LEGACY_EVENT_TYPES[type] ?? type) : type), RunEventType),
  at: Timestamp,
  step: z.string().nullable(),
  progress: RunProgress.nullable(),
  /** Failures only: code and safe message for anyone, detail for admins. */
  error: RunError.nullable(),
  /** Retries and sleeps only: when the step runs (or wakes) next. */
  retryAt: Timestamp.nullable(),
  /** Progress events only: how far the step has got, as it reported. */
  stepProgress: StepProgress.nullable().default(null),
});
export type RunEvent = z.infer<typeof RunEvent>;

/** The payload of every engine task: the run's id, nothing else (the run document holds the rest). */
export const RunTask = z.strictObject({ runId: DocumentId });
export type RunTask = z.infer<typeof RunTask>;
