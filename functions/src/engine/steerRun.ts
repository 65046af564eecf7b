import { RunRecord } from "@clementine/shared";
import { resetFailed } from "@clementine/pipeline";
import { Timestamp } from "firebase-admin/firestore";
import { toStepRecords, toStepStates } from "./codec.js";
import type { Engine } from "./engine.js";
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
    return { record: { ...record, status: "cancelled", lease: null, wakeAt: null, finishedAt: now, updatedAt: now }, event: "pipeline:cancelled" as const };
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
    const next: RunRecord = { ...record, status: "pending", steps: toStepRecords(steps), error: null, wakeAt: Timestamp.fromMillis(now.toMillis() + engine.pickupGraceMs), lease: null, deadlineAt: null, finishedAt: null, updatedAt: now };
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
    const mirrors = engine.pipeline(record.pipeline)?.mirrors?.(runId, next, next.payload) ?? [];
    const present = await Promise.all(mirrors.map(async (m) => m.mode === "set" || (await tx.get(m.ref)).exists));
    tx.update(ref, { ...next });
    tx.create(eventRef(ref, seq), { runId, seq, type: decision.event, at: now, step: null, progress: next.progress, error: null, retryAt: null, stepProgress: null });
    mirrors.forEach((mirror, i) => {
      if (mirror.mode === "set") tx.set(mirror.ref, mirror.data);
      else if (present[i]) tx.update(mirror.ref, mirror.data);
    });
    return { kind: "done" as const, record: next };
  });
}
