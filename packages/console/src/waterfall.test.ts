import { describe, expect, it } from "vitest";
import { waterfall, type EventLike } from "./waterfall.js";

const t = (ms: number) => ({ toMillis: () => ms });
const ev = (seq: number, type: string, step: string | null, at: number, retryAt: number | null = null): EventLike => ({ seq, type, step, at: t(at), retryAt: retryAt === null ? null : t(retryAt) });

describe("the waterfall of a run", () => {
  it("shows each attempt, the backoff between them, a sleep, a rate limit's wait, and what still runs", () => {
    const steps = { a: { status: "completed", startedAt: t(100) }, s: { status: "completed", startedAt: t(200) }, b: { status: "completed", startedAt: t(300) }, c: { status: "running", startedAt: null } };
    const events = [
      ev(1, "pipeline:started", null, 90),
      ev(2, "pipeline:step_completed", "a", 150),
      ev(3, "pipeline:step_sleeping", "s", 200, 1200),
      ev(4, "pipeline:step_completed", "s", 1210),
      ev(5, "pipeline:step_failed", "b", 1400),
      ev(6, "pipeline:retry_scheduled", "b", 1400, 2400),
      ev(7, "pipeline:step_completed", "b", 2500),
      ev(8, "pipeline:step_throttled", "c", 2510, 3000),
    ];
    expect(waterfall(steps, events, 3500)).toEqual([
      { step: "a", kind: "completed", from: 100, to: 150 },
      { step: "s", kind: "sleeping", from: 200, to: 1200 },
      { step: "b", kind: "failed", from: 300, to: 1400 },
      { step: "b", kind: "waiting", from: 1400, to: 2400 },
      { step: "b", kind: "completed", from: 2400, to: 2500 },
      { step: "c", kind: "throttled", from: 2510, to: 3000 },
      { step: "c", kind: "running", from: 3000, to: 3500 },
    ]);
  });

  it("starts a step's attempts after an admin's retry again from the retry", () => {
    const steps = { b: { status: "completed", startedAt: t(100) } };
    const events = [ev(1, "pipeline:step_failed", "b", 200), ev(2, "pipeline:failed", "b", 200), ev(3, "pipeline:retried", null, 5000), ev(4, "pipeline:step_completed", "b", 5100)];
    expect(waterfall(steps, events, 6000)).toEqual([
      { step: "b", kind: "failed", from: 100, to: 200 },
      { step: "b", kind: "completed", from: 5000, to: 5100 },
    ]);
  });
});
