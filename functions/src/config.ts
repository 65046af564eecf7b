import { defineInt } from "firebase-functions/params";

export const REGION = "europe-west1";

export const transformJobTimeoutSeconds = defineInt("TRANSFORM_JOB_TIMEOUT_SECONDS", {
  default: 600,
  description: "How long a transform job may run before it fails with TIMEOUT (1–1680 s).",
});

/** The engine's task queue: one for every pipeline. */
export const RUN_TASK_FUNCTION = "pipelineRun";
/** How long Cloud Tasks waits for a delivery: above the function's timeout, so the engine's own budget always ends it first. */
export const RUN_TASK_TIMEOUT_SECONDS = 540;
export const RUN_DISPATCH_DEADLINE_SECONDS = 600;

export const engineInvocationBudgetSeconds = defineInt("ENGINE_INVOCATION_BUDGET_SECONDS", {
  default: 420,
  description: "How long one delivery executes steps before it checkpoints and continues in a new one (below the task function's 540 s timeout).",
});
export const enginePickupGraceSeconds = defineInt("ENGINE_PICKUP_GRACE_SECONDS", {
  default: 60,
  description: "How long a new run may wait for its first delivery before the sweeper enqueues it again.",
});
export const engineSweepGraceSeconds = defineInt("ENGINE_SWEEP_GRACE_SECONDS", {
  default: 30,
  description: "How long past its wake time a run waits for its own scheduled task before the sweeper sends another.",
});
