import { RunRecord } from "@clementine/shared";
import { admissionRank, resetFailed } from "@clementine/pipeline";
import { Timestamp } from "firebase-admin/firestore";
import { toStepRecords, toStepStates } from "./codec.js";
import { slotWrite, wakeWaiters } from "./admission.js";
import { mirrorStands, type Engine } from "./engine.js";
import { eventRetentionEnd, retentionEnd } from "./retention.js";
import { eventRef, runRef } from "./refs.js";
import { sendWakeUp } from "./wakeUp.js";

export type SteerOutcome = { kind: "done"; record: RunRecord } | { kind: "not-found" } | { kind: "conflict"; status: RunRecord["status"] };

/**
 * Cancels a pending or running run. A step executing right now finishes, but
 * its holder's next write fails (the run changed under it), so nothing after
 * it runs. In a transaction: it races holders and other admins.
 */
export function cancelRun(engine: Engine, runId: string): Promise<SteerOutcome> {
  return steer(engine, runId, (record, now) => {
    if (record.status !== "pending" && record.status !== "running") return null;
    const admission = record.admission && { ...record.admission, waiting: false };
    return { record: { ...record, status: "cancelled", admission, lease: null, wakeAt: null, finishedAt: now, updatedAt: now, expiresAt: retentionEnd(now) }, event: "pipeline:cancelled" as const };
  });
}

/**
 * Retries a failed run from the point of failure: failed steps become pending
 * with fresh attempts, completed steps keep their memoized outputs, and the
 * run gets a new timeout window.
 */
export async function retryRun(engine: Engine, runId: string): Promise<SteerOutcome> {
  const outcome = await steer(engine, runId, (record, now) => {
    if (record.status !== "failed") return null;
    const steps = Object.fromEntries(Object.entries(toStepStates(record.steps)).map(([name, step]) => [name, resetFailed(step)]));
    // Back in its scope's queue, as if started now.
    const admission = record.admission && { ...record.admission, rank: admissionRank(record.priority, now.toMillis()), waiting: true };
    const next: RunRecord = { ...record, status: "pending", steps: toStepRecords(steps), admission, error: null, wakeAt: Timestamp.fromMillis(now.toMillis() + engine.pickupGraceMs), lease: null, deadlineAt: null, finishedAt: null, updatedAt: now, expiresAt: null };
    return { record: next, event: "pipeline:retried" as const };
  });
  if (outcome.kind === "done") await sendWakeUp(engine, runId, `${runId}-retry-${outcome.record.eventCount}`);
  return outcome;
}

async function steer(engine: Engine, runId: string, decide: (record: RunRecord, now: Timestamp) => { record: RunRecord; event: "pipeline:cancelled" | "pipeline:retried" } | null): Promise<SteerOutcome> {
  const ref = runRef(engine.db, runId);
  return engine.db.runTransaction(async (tx) => {
    const snap = await tx.get(ref);
    if (!snap.exists) return { kind: "not-found" as const };
    const record = RunRecord.parse(snap.data());
    const now = Timestamp.fromMillis(engine.now());
    const decision = decide(record, now);
    if (!decision) return { kind: "conflict" as const, status: record.status };
    const seq = record.eventCount + 1;
    const next = { ...decision.record, eventCount: seq, commits: record.commits + 1 };
    // Reads first (a transaction's rule): a mirror whose document is gone is skipped.
    const pipeline = engine.pipeline(record.pipeline);
    const mirrors = pipeline?.mirrors?.(runId, next, next.payload) ?? [];
    const updated = mirrors.filter((m) => m.mode === "update");
    const found = await Promise.all(updated.map((m) => tx.get(m.ref)));
    const missing = new Set(updated.filter((_, i) => !found[i]!.exists).map((m) => m.ref.path));
    tx.update(ref, { ...next });
    tx.create(eventRef(ref, seq), { runId, seq, type: decision.event, at: now, step: null, progress: next.progress, error: null, retryAt: null, stepProgress: null, expiresAt: eventRetentionEnd(now, pipeline) });
    // A cancelled holder's slot is free now: its holder's next write fails, and it would never release it.
    if (record.lease && record.admission && pipeline?.concurrency) {
      const slot = slotWrite(engine.db, runId, record.admission.scope, null);
      tx.set(slot.ref, slot.data, { merge: true });
    }
    for (const mirror of mirrors.filter((m) => mirrorStands(m, missing))) {
      if (mirror.mode === "set") tx.set(mirror.ref, mirror.data);
      else if (mirror.mode === "merge") tx.set(mirror.ref, mirror.data, { merge: true });
      else tx.update(mirror.ref, mirror.data);
    }
    return { kind: "done" as const, record: next, released: Boolean(record.lease && record.admission && pipeline?.concurrency) };
  }).then(async (outcome) => {
    if (outcome.kind === "done" && outcome.released) await wakeWaiters(engine, outcome.record.admission!.scope, engine.pipeline(outcome.record.pipeline)!.concurrency!.limit);
    return outcome.kind === "done" ? { kind: "done" as const, record: outcome.record } : outcome;
  });
}
