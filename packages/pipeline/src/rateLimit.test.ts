import { describe, expect, it } from "vitest";
import { decideRate, QUEUE_GRACE_MS, RATE_LIMIT_MARGIN_MS, type LimiterState, type RateDecision, type RateLimit } from "./rateLimit.js";

const rate = { limit: 3, windowMs: 10_000 };
const span = rate.windowMs + RATE_LIMIT_MARGIN_MS;
const empty: LimiterState = { grants: [], queue: [] };
const one = { limit: 1, windowMs: 10_000 };
const oneSpan = one.windowMs + RATE_LIMIT_MARGIN_MS;

/** Plays requests `[id, at]` in order, threading the state; the decisions. */
function play(requests: Array<[string, number]>, from = empty, limit: RateLimit = rate): { decisions: RateDecision[]; state: LimiterState } {
  let state = from;
  const decisions = requests.map(([id, at]) => {
    const decision = decideRate(limit, state, id, at);
    state = decision.state;
    return decision;
  });
  return { decisions, state };
}
const retryAt = (d: RateDecision) => (d.granted ? null : d.retryAt);

describe("decideRate", () => {
  it("grants up to the limit, then tells each refusal its own turn, a limit's worth of turns per window", () => {
    const { decisions, state } = play([["a", 0], ["b", 1], ["c", 2], ["d", 3], ["e", 4], ["f", 5], ["g", 6]]);
    expect(decisions.map((d) => d.granted)).toEqual([true, true, true, false, false, false, false]);
    expect(decisions.map(retryAt).slice(3)).toEqual([span, 1 + span, 2 + span, 2 * span]);
    expect(state.queue.map((q) => q.id)).toEqual(["d", "e", "f", "g"]);
  });

  it("keeps a late request's place: it goes before a newcomer, and those behind it count its late grant", () => {
    const { decisions, state } = play([["a", 0], ["d", 0], ["e", 0]], empty, one);
    expect(decisions.map(retryAt)).toEqual([null, oneSpan, 2 * oneSpan]);
    // d comes back a second late and is granted; a newcomer queues behind e; e, on time, waits for d's grant to leave the window.
    const late = play([["d", oneSpan + 1000], ["new", oneSpan + 1000], ["e", 2 * oneSpan]], state, one);
    expect(late.decisions.map(retryAt)).toEqual([null, oneSpan + 1000 + 2 * oneSpan, 2 * oneSpan + 1000]);
    expect(late.state.queue.map((q) => q.id)).toEqual(["e", "new"]);
  });

  it("never lets more than the limit into any window, whatever the arrival pattern", () => {
    const requests: Array<[string, number]> = [];
    for (let i = 0; i < 60; i++) requests.push([`r${i % 20}`, i * 700]);
    const granted: number[] = [];
    let state = empty;
    for (const [id, at] of requests) {
      const d = decideRate(rate, state, id, at);
      state = d.state;
      if (d.granted) granted.push(at);
    }
    for (const t of granted) expect(granted.filter((g) => g > t - span && g <= t).length).toBeLessThanOrEqual(rate.limit);
    expect(granted.length).toBeGreaterThan(rate.limit);
  });

  it("drops a place not claimed within the grace, so nobody waits behind an abandoned request", () => {
    const { state } = play([["a", 0], ["gone", 0], ["e", 0]], empty, one);
    const gone = state.queue.find((q) => q.id === "gone")!;
    expect(gone.until).toBe(oneSpan + QUEUE_GRACE_MS);
    // At e's turn the absent request is still ahead of it; once its grace is over, e goes.
    expect(decideRate(one, state, "e", 2 * oneSpan).granted).toBe(false);
    const after = decideRate(one, state, "e", gone.until + 1);
    expect(after.granted).toBe(true);
    expect(after.state.queue).toEqual([]);
  });
});
