import { demoApiCallsPerMinute, engineInvocationBudgetSeconds, enginePickupGraceSeconds, REGION, RUN_DISPATCH_DEADLINE_SECONDS, RUN_TASK_FUNCTION, RUN_TASK_TIMEOUT_SECONDS, transformJobTimeoutSeconds } from "../config.js";
import { checkJobTimeout } from "../core/deadlines.js";
import { createEngine, type Engine } from "../engine/engine.js";
import { runEnqueuer } from "../engine/enqueue.js";
import { DEMO_API_LIMIT } from "../pipelines/demoTask.js";
import { pipelines } from "../pipelines/index.js";
import { aiConcurrency, aiRetryBaseMs, aiServiceTimeoutSeconds, aiServiceUrl } from "../assets/config.js";
import { db, functions } from "./firebase.js";
import { getImageStore } from "./imageStore.js";

let engine: Engine | undefined;

/** The engine of this deployment, built on first use: params have values only once a function runs. */
export function getEngine(): Engine {
  engine ??= createEngine({
    db,
    pipelines: pipelines({
      db,
      transformTimeoutSeconds: checkJobTimeout(transformJobTimeoutSeconds.value()),
      assets: { store: getImageStore, serviceUrl: () => aiServiceUrl.value(), timeoutMs: aiServiceTimeoutSeconds.value() * 1000, retryBaseMs: aiRetryBaseMs.value(), concurrency: aiConcurrency.value() },
    }),
    enqueue: runEnqueuer(functions, `locations/${REGION}/functions/${RUN_TASK_FUNCTION}`, RUN_DISPATCH_DEADLINE_SECONDS),
    invocationBudgetMs: engineInvocationBudgetSeconds.value() * 1000,
    maxInvocationMs: (RUN_TASK_TIMEOUT_SECONDS - 60) * 1000,
    pickupGraceMs: enginePickupGraceSeconds.value() * 1000,
    rateLimits: { [DEMO_API_LIMIT]: { limit: demoApiCallsPerMinute.value(), windowMs: 60_000 } },
  });
  return engine;
}
