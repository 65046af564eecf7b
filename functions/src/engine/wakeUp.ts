import { logger } from "firebase-functions";
import { describeError } from "../core/jobErrors.js";
import type { Engine } from "./engine.js";
import { isAlreadyExists } from "./firestoreErrors.js";

/**
 * Sends a wake-up call for a run: at `at` (epoch ms) or at once. The call is
 * named by `id`, so a repeat is refused by Cloud Tasks and counts as sent.
 * A failure is logged, never thrown: the run's `wakeAt` is already stored,
 * and the sweeper sends the call itself once that time has passed.
 */
export async function sendWakeUp(engine: Engine, runId: string, id: string, at: number | null = null): Promise<boolean> {
  try {
    await engine.enqueue({ runId }, { id, at });
    return true;
  } catch (error) {
    if (isAlreadyExists(error)) return true;
    logger.warn("run.enqueue_failed", { runId, id, detail: describeError(error) });
    return false;
  }
}
