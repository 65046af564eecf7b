import { onSchedule } from "firebase-functions/scheduler";
import { engineSweepGraceSeconds, REGION } from "../config.js";
import { sweepRuns as sweep } from "../engine/sweepRuns.js";
import { getEngine } from "../lib/engine.js";

/** Wakes every run that is due and has no live holder. The local stack fires it every few seconds. */
export const sweepRuns = onSchedule({ region: REGION, schedule: "every 1 minutes", timeoutSeconds: 300 }, async () => {
  await sweep(getEngine(), engineSweepGraceSeconds.value() * 1000);
});
