import { onSchedule } from "firebase-functions/scheduler";
import { REGION } from "../config.js";
import { cleanupRuns as cleanup } from "../engine/history.js";
import { recordMinute } from "../engine/metrics.js";
import { getEngine } from "../lib/engine.js";

/**
 * Deletes runs (and their events) 30 days after they ended. In production a
 * TTL policy on `expiresAt` does the same; the emulator has none, and this
 * also removes the events a TTL policy would leave behind a deleted run.
 */
export const cleanupRuns = onSchedule({ region: REGION, schedule: "every 60 minutes", timeoutSeconds: 540 }, async () => {
  await cleanup(getEngine());
});

/** Each minute, one metrics document per pipeline per project, from aggregation queries. */
export const recordMetrics = onSchedule({ region: REGION, schedule: "every 1 minutes", timeoutSeconds: 120 }, async () => {
  const engine = getEngine();
  await recordMinute(engine, engine.pipelineNames);
});
