import { defineInt } from "firebase-functions/params";

export const REGION = "europe-west1";

export const transformJobTimeoutSeconds = defineInt("TRANSFORM_JOB_TIMEOUT_SECONDS", {
  default: 600,
  description: "How long a transform job may run before it fails with TIMEOUT (1–1680 s).",
});

/** The engine's task queue: one for every pipeline. */
export const RUN_TASK_FUNCTION = "pipelineRun";
/**
 * A delivery's limits: the task function's timeout and how long Cloud Tasks
 * waits for it, both at their 30 min maximum. The engine checkpoints after its
 * budget (below) and stops any step a minute before the timeout, so a long
 * step (a transform node may run up to TRANSFORM_JOB_TIMEOUT_SECONDS) is never
 * cut off unrecorded.
 */
export const RUN_TASK_TIMEOUT_SECONDS = 1800;
export const RUN_DISPATCH_DEADLINE_SECONDS = 1800;

export const engineInvocationBudgetSeconds = defineInt("ENGINE_INVOCATION_BUDGET_SECONDS", {
  default: 420,
  description: "How long one delivery starts new steps before it checkpoints and continues in a new one (the task function's timeout is 1800 s).",
});
export const enginePickupGraceSeconds = defineInt("ENGINE_PICKUP_GRACE_SECONDS", {
  default: 60,
  description: "How long a new run may wait for its first delivery before the sweeper enqueues it again.",
});
export const engineSweepGraceSeconds = defineInt("ENGINE_SWEEP_GRACE_SECONDS", {
  default: 30,
  description: "How long past its wake time a run waits for its own scheduled task before the sweeper sends another.",
});

export const demoApiCallsPerMinute = defineInt("DEMO_API_CALLS_PER_MINUTE", {
  default: 100,
  description: "The demo task's simulated downstream API: at most this many simulate-api-call attempts in any minute.",
});
