import { RunRecord } from "@clementine/shared";
import { decideTake, stepsFor } from "@clementine/pipeline";
import { Timestamp, type DocumentReference } from "firebase-admin/firestore";
import { toStepStates } from "./codec.js";
import { leaseMs, type Engine } from "./engine.js";
import { runRef } from "./refs.js";

export type TakeOutcome =
  | { kind: "taken"; ref: DocumentReference; record: RunRecord; writeTime: Timestamp }
  | { kind: "skipped"; reason: "not-found" | "ended" | "held" | "early" | "raced" | "unknown-pipeline" };

/**
 * A delivery's first move: one read and one write conditional on the run's
 * update time, no transaction. Of any number of concurrent deliveries exactly
 * one gets the lease; the others see it held (or lose the race) and stop.
 */
export async function takeLease(engine: Engine, runId: string, holder: string): Promise<TakeOutcome> {
  const ref = runRef(engine.db, runId);
  const snap = await ref.get();
  if (!snap.exists) return { kind: "skipped", reason: "not-found" };
  const record = RunRecord.parse(snap.data());
  const pipeline = engine.pipeline(record.pipeline);
  if (!pipeline) return { kind: "skipped", reason: "unknown-pipeline" };

  const now = engine.now();
  const lease = record.lease ? { holder: record.lease.holder, expiresAt: record.lease.expiresAt.toMillis() } : null;
  const graph = stepsFor(pipeline.definition, record.payload as never);
  const decision = decideTake({ status: record.status, lease, steps: toStepStates(record.steps) }, graph, now);
  if (!decision.take) return { kind: "skipped", reason: decision.reason };

  const expiresAt = Timestamp.fromMillis(now + leaseMs(engine));
  const nowTs = Timestamp.fromMillis(now);
  const next: RunRecord = {
    ...record,
    status: "running",
    lease: { holder, expiresAt },
    // Should this holder die, the run is due again when its lease expires.
    wakeAt: expiresAt,
    startedAt: record.startedAt ?? nowTs,
    deadlineAt: record.deadlineAt ?? Timestamp.fromMillis(now + pipeline.definition.timeoutSeconds * 1000),
    updatedAt: nowTs,
  };
  try {
    const [result] = await engine.db.batch().update(ref, { ...next }, { lastUpdateTime: snap.updateTime! }).commit();
    return { kind: "taken", ref, record: next, writeTime: result!.writeTime };
  } catch (error) {
    if (isPreconditionFailed(error)) return { kind: "skipped", reason: "raced" };
    throw error;
  }
}

/** Firestore's answer to a write whose `lastUpdateTime` precondition no longer holds. */
export function isPreconditionFailed(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === 9;
}
