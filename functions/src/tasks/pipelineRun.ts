import { RunTask } from "@clementine/shared";
import { logger } from "firebase-functions";
import { onTaskDispatched } from "firebase-functions/tasks";
import { REGION, RUN_TASK_TIMEOUT_SECONDS } from "../config.js";
import { executeRun } from "../engine/executeRun.js";
import { getEngine } from "../lib/engine.js";

/**
 * Every pipeline's wake-up calls. A delivery is only a wake-up call: the run
 * document says what to do, and a duplicate, late or early one does nothing.
 * Deliveries that never reach the handler (429/503 while instances start, a
 * deploy) are retried by Cloud Tasks, and past that the sweeper sends another.
 * Only a failure to reach Firestore throws (and is retried); a run's own
 * failure is recorded and acknowledged.
 */
export const pipelineRun = onTaskDispatched(
  {
    region: REGION,
    retryConfig: { maxAttempts: 10, minBackoffSeconds: 1, maxBackoffSeconds: 60, maxDoublings: 4 },
    rateLimits: { maxConcurrentDispatches: 10 },
    timeoutSeconds: RUN_TASK_TIMEOUT_SECONDS,
    memory: "512MiB",
  },
  async (request) => {
    const task = RunTask.safeParse(request.data);
    if (!task.success) {
      logger.error("run.task_invalid", { issues: task.error.issues.slice(0, 3) });
      return;
    }
    const outcome = await executeRun(getEngine(), task.data.runId);
    logger.info("run.delivery", { runId: task.data.runId, outcome: outcome.kind, ...("reason" in outcome ? { reason: outcome.reason } : {}), retryCount: request.retryCount });
  },
);
