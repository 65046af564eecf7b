import { Timestamp } from "firebase-admin/firestore";
import { logger } from "firebase-functions";
import type { Engine } from "./engine.js";
import { runsCollection } from "./refs.js";
import { isPreconditionFailed } from "./firestoreErrors.js";
import { sendWakeUp } from "./wakeUp.js";

/** The composite index the sweep's query needs; `firestore.indexes.json` is checked against it in a test. */
export const DUE_RUNS_INDEX = {
  collectionGroup: "runs",
  queryScope: "COLLECTION",
  fields: [
    { fieldPath: "status", order: "ASCENDING" },
    { fieldPath: "wakeAt", order: "ASCENDING" },
  ],
} as const;

const PAGE = 500;

/**
 * Sends a wake-up call to every unfinished run that is due and has no live
 * holder: pending with no delivery yet, parked until a retry or sleep whose
 * time has come, or held by a lease that expired (its holder died). It never
 * fails a run: a run ends only by its own rules. `graceMs` lets a scheduled
 * task arrive on its own first, so a wake-up is rarely sent twice.
 *
 * Before each call it moves the run's `wakeAt` one pickup grace ahead, with a
 * write conditional on the run's update time: a run still waiting in a
 * backed-up queue is not sent another call on every sweep, and a run that a
 * delivery took meanwhile is left to it.
 */
export async function sweepRuns(engine: Engine, graceMs: number): Promise<number> {
  const now = engine.now();
  const due = await runsCollection(engine.db)
    .where("status", "in", ["pending", "running"])
    .where("wakeAt", "<=", Timestamp.fromMillis(now - graceMs))
    .orderBy("wakeAt")
    .limit(PAGE)
    .get();
  const sent = await Promise.all(
    due.docs.map(async (doc) => {
      try {
        await doc.ref.update({ wakeAt: Timestamp.fromMillis(now + engine.pickupGraceMs) }, { lastUpdateTime: doc.updateTime });
      } catch (error) {
        if (isPreconditionFailed(error)) return false; // a delivery took it, or it changed: not ours to wake
        throw error;
      }
      return sendWakeUp(engine, doc.id, `${doc.id}-sweep-${doc.updateTime.toMillis()}`);
    }),
  );
  const woken = sent.filter(Boolean).length;
  logger.info("sweep.done", { due: due.size, woken });
  return woken;
}
