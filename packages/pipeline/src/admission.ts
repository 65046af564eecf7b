/**
 * Concurrency and priority, as pure decisions. A scope (a pipeline, or a
 * pipeline and a key) has `limit` slots; its gate records which runs hold one
 * and until when (their lease's expiry). Runs that need a slot and hold none
 * wait in rank order: priority first, then the time they became eligible.
 */

/** Priorities run from -100 to 100; the rank puts higher priority first, then earlier times. Exact in a double. */
export const admissionRank = (priority: number, eligibleAt: number): number => (100 - priority) * 1e13 + eligibleAt;

export interface Waiter {
  runId: string;
  rank: number;
}

export interface AdmissionInput {
  runId: string;
  rank: number;
  limit: number;
  /** The gate: run id → lease expiry (epoch ms). An expired entry is a holder that died: its slot is free. */
  holders: Readonly<Record<string, number>>;
  /** The best-ranked waiting runs of the scope, at least as many as there are free slots (it may include this run). */
  waiters: readonly Waiter[];
  now: number;
}

/** Slots not held by a live holder other than `runId`. */
export function freeSlots(limit: number, holders: Readonly<Record<string, number>>, now: number, runId?: string): number {
  const live = Object.entries(holders).filter(([id, until]) => until > now && id !== runId).length;
  return Math.max(0, limit - live);
}

const before = (a: Waiter, b: Waiter) => a.rank < b.rank || (a.rank === b.rank && a.runId < b.runId);

/**
 * Whether `runId` may take a slot now: there is a free slot that no better-ranked
 * waiter needs. A run already in the gate (a holder re-entering) is admitted
 * while its entry lives. Waiters already holding a slot do not count.
 */
export function decideAdmission({ runId, rank, limit, holders, waiters, now }: AdmissionInput): boolean {
  if ((holders[runId] ?? 0) > now) return true;
  const free = freeSlots(limit, holders, now, runId);
  const me = { runId, rank };
  const ahead = waiters.filter((w) => w.runId !== runId && !((holders[w.runId] ?? 0) > now) && before(w, me)).length;
  return ahead < free;
}
