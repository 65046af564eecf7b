import { RunRecord } from "@clementine/shared";
import { decideTake, stepsFor, type StepGraph } from "@clementine/pipeline";
import { Timestamp } from "firebase-admin/firestore";
import { logger } from "firebase-functions";
import { acquireSlot } from "./admission.js";
import { runError } from "./runErrors.js";
import { toStepStates } from "./codec.js";
import { leaseMs, type Engine, type Pipeline } from "./engine.js";
import { runRef } from "./refs.js";
import { RunHolder } from "./runHolder.js";

export type TakeOutcome =
  | { kind: "taken"; holder: RunHolder; graph: StepGraph<unknown>; pipeline: Pipeline<unknown> }
  | { kind: "skipped"; reason: "not-found" | "ended" | "held" | "early" | "raced" | "queued" | "unknown-pipeline" | "unreadable" };

const UNKNOWN_PIPELINE_RETRY_MS = 3600_000;

/**
 * A delivery's first move: one read, then one write conditional on the run's
 * update time, no transaction. That write is the holder's first commit: the
 * lease, the `pipeline:started` event the first time, and the mirrors, together.
 * Of any number of concurrent deliveries exactly one gets the lease; the
 * others see it held, or lose the race, and stop.
 */
export async function takeLease(engine: Engine, runId: string, holderId: string, recheck = 2): Promise<TakeOutcome> {
  const ref = runRef(engine.db, runId);
  const snap = await ref.get();
  if (!snap.exists) return { kind: "skipped", reason: "not-found" };
  const parsed = RunRecord.safeParse(snap.data());
  if (!parsed.success) {
    // No code can run it; failing it ends the deliveries and the sweeper's wake-ups, and tells its admins why.
    logger.error("run.unreadable", { runId, detail: parsed.error.message });
    await ref.update({ status: "failed", lease: null, wakeAt: null, error: runError("INTERNAL", `the stored run does not match this version's schema: ${parsed.error.message}`) }, { lastUpdateTime: snap.updateTime! }).catch(() => {});
    return { kind: "skipped", reason: "unreadable" };
  }
  const record = parsed.data;
  const pipeline = engine.pipeline(record.pipeline);
  if (!pipeline) {
    // Not this deployment's (a pipeline removed, or one a newer version added): ask again in an hour, not every sweep.
    logger.error("run.unknown_pipeline", { runId, pipeline: record.pipeline });
    await ref.update({ wakeAt: Timestamp.fromMillis(engine.now() + UNKNOWN_PIPELINE_RETRY_MS) }, { lastUpdateTime: snap.updateTime! }).catch(() => {});
    return { kind: "skipped", reason: "unknown-pipeline" };
  }

  const now = engine.now();
  const lease = record.lease ? { holder: record.lease.holder, expiresAt: record.lease.expiresAt.toMillis() } : null;
  const graph = stepsFor<unknown>(pipeline.definition, record.payload);
  const decision = decideTake(
    { status: record.status, lease, steps: toStepStates(record.steps), deadlineAt: record.deadlineAt?.toMillis() ?? null, startAt: record.startAt?.toMillis() ?? null },
    graph,
    now,
  );
  if (!decision.take) return { kind: "skipped", reason: decision.reason };

  const expiresAt = Timestamp.fromMillis(now + leaseMs(engine));
  // A pipeline with a concurrency limit: a slot first, or wait for one.
  if (record.admission && pipeline.concurrency) {
    const slot = await acquireSlot(engine, pipeline, snap, record, expiresAt.toMillis());
    // A slot was released while this run was becoming a waiter: read it all again.
    if (slot === "recheck") return recheck > 0 ? takeLease(engine, runId, holderId, recheck - 1) : { kind: "skipped", reason: "queued" };
    if (slot !== "admitted") return { kind: "skipped", reason: slot };
  }
  const holder = new RunHolder(engine, ref, record, snap.updateTime!, pipeline, graph);
  const taken = await holder.write(() => ({
    record: {
      status: "running",
      lease: { holder: holderId, expiresAt },
      // Should this holder die, the run is due again when its lease expires.
      wakeAt: expiresAt,
      startedAt: record.startedAt ?? Timestamp.fromMillis(now),
      deadlineAt: record.deadlineAt ?? Timestamp.fromMillis(now + pipeline.definition.timeoutSeconds * 1000),
      admission: record.admission && { ...record.admission, waiting: false },
    },
    events: record.eventCount === 0 ? [{ type: "pipeline:started" }] : [],
  }));
  return taken ? { kind: "taken", holder, graph, pipeline } : { kind: "skipped", reason: "raced" };
}
