/**
 * Rate limits as pure decisions: at most `limit` grants in any window of
 * `windowMs` (a sliding log, not fixed buckets: two buckets' edges never
 * allow twice the limit). A grant counts for `marginMs` more than the window,
 * so what starts right after its grant stays within the limit wherever a
 * window is measured.
 */
export interface RateLimit {
  limit: number;
  windowMs: number;
}

export const RATE_LIMIT_MARGIN_MS = 1000;

export interface LimiterState {
  /** Grant times (epoch ms), ascending: those that still count. */
  grants: number[];
  /** The earliest time the next refused request is told to come back: refusals are spread at the limit's rate, not woken all at once. */
  nextFree: number;
}

export type RateDecision = { granted: true; state: LimiterState } | { granted: false; retryAt: number; state: LimiterState };

export function decideRate(rate: RateLimit, state: LimiterState, now: number): RateDecision {
  const span = rate.windowMs + RATE_LIMIT_MARGIN_MS;
  const grants = state.grants.filter((g) => g > now - span);
  if (grants.length < rate.limit) return { granted: true, state: { grants: [...grants, now], nextFree: state.nextFree } };
  // The window frees a grant when its oldest counted one leaves it; refusals queue behind each other at the rate.
  const retryAt = Math.max(grants[grants.length - rate.limit]! + span, state.nextFree, now);
  return { granted: false, retryAt, state: { grants, nextFree: retryAt + Math.ceil(span / rate.limit) } };
}
