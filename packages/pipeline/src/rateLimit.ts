/**
 * Rate limits as pure decisions: at most `limit` grants in any window of
 * `windowMs` (a sliding log, not fixed buckets: two buckets' edges never
 * allow twice the limit). A grant counts for `marginMs` more than the window,
 * so what starts right after its grant stays within the limit wherever a
 * window is measured.
 *
 * Refused requests queue in arrival order. Each is told when its turn comes,
 * counting the grants of those ahead of it, and keeps its place when it comes
 * back: a late return delays it, it does not send it to the back. A place not
 * claimed within `QUEUE_GRACE_MS` of its turn is dropped (the run was
 * cancelled, or gave up), so nobody waits behind it for long.
 */
export interface RateLimit {
  limit: number;
  windowMs: number;
}

export const RATE_LIMIT_MARGIN_MS = 1000;
export const QUEUE_GRACE_MS = 30_000;

export interface QueuedRequest {
  id: string;
  /** Dropped from the queue if not back by then. */
  until: number;
}

export interface LimiterState {
  /** Grant times (epoch ms), ascending: those that still count. */
  grants: number[];
  /** Refused requests, first come first.  */
  queue: QueuedRequest[];
}

export type RateDecision = { granted: true; state: LimiterState } | { granted: false; retryAt: number; state: LimiterState };

/** Decides the request `id` (the same id each time it comes back) at `now`. */
export function decideRate(rate: RateLimit, state: LimiterState, id: string, now: number): RateDecision {
  const span = rate.windowMs + RATE_LIMIT_MARGIN_MS;
  const grants = state.grants.filter((g) => g > now - span);
  const queue = state.queue.filter((q) => q.until >= now || q.id === id);
  const found = queue.findIndex((q) => q.id === id);
  const place = found === -1 ? queue.length : found;
  if (place < rate.limit - grants.length) {
    return { granted: true, state: { grants: [...grants, now], queue: queue.filter((q) => q.id !== id) } };
  }
  // The turns of those ahead, each when the grant `limit` places before it leaves the window.
  const expected = [...grants];
  for (let i = 0; i <= place; i++) expected.push(Math.max(now, (expected[expected.length - rate.limit] ?? now) + span));
  const retryAt = expected[expected.length - 1]!;
  const entry = { id, until: retryAt + QUEUE_GRACE_MS };
  const next = found === -1 ? [...queue, entry] : queue.map((q) => (q.id === id ? entry : q));
  return { granted: false, retryAt, state: { grants, queue: next } };
}
