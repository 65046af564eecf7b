import { Job } from "@clementine/shared";
import { describe, expect, it } from "vitest";
import { checkJobTimeout, deadlineAfter, dispatchDeadlineSeconds, isStuck, MAX_JOB_TIMEOUT_SECONDS, SWEEP_GRACE_MS } from "./deadlines.js";
import { CLIENT_MESSAGES, describeError, jobError } from "./jobErrors.js";
import { progressAfter } from "./progress.js";
import { sessionView } from "./sessionView.js";

const at = (ms: number) => ({ seconds: Math.floor(ms / 1000), nanoseconds: 0, toMillis: () => ms });

describe("progressAfter", () => {
  it.each([
    [0, 3, { currentNode: 0, totalNodes: 3, percentage: 0 }],
    [1, 3, { currentNode: 1, totalNodes: 3, percentage: 33 }],
    [2, 3, { currentNode: 2, totalNodes: 3, percentage: 66 }],
    [3, 3, { currentNode: 3, totalNodes: 3, percentage: 100 }],
    [5, 3, { currentNode: 3, totalNodes: 3, percentage: 100 }],
  ])("%i of %i nodes", (done, total, expected) => {
    expect(progressAfter(done, total)).toEqual(expected);
  });

  it("refuses a transform with no nodes", () => {
    expect(() => progressAfter(0, 0)).toThrow(/totalNodes/);
  });
});

describe("deadlines", () => {
  it("gives Cloud Tasks more time than the job, within its 15 s – 30 min range", () => {
    expect(dispatchDeadlineSeconds(600)).toBe(660);
    expect(dispatchDeadlineSeconds(1)).toBe(61); // never under Cloud Tasks' 15 s minimum
    expect(dispatchDeadlineSeconds(MAX_JOB_TIMEOUT_SECONDS)).toBeLessThanOrEqual(1800);
    expect(dispatchDeadlineSeconds(MAX_JOB_TIMEOUT_SECONDS)).toBeGreaterThan(MAX_JOB_TIMEOUT_SECONDS);
  });

  it.each([0, -1, 1.5, MAX_JOB_TIMEOUT_SECONDS + 1])("refuses a job timeout of %s s, naming the param", (s) => {
    expect(() => checkJobTimeout(s)).toThrow(/TRANSFORM_JOB_TIMEOUT_SECONDS/);
  });

  it("computes a deadline from a start and a timeout", () => {
    expect(deadlineAfter(1_000, 600)).toBe(601_000);
  });

  it.each([
    ["running, past deadline + grace", "running", 0, SWEEP_GRACE_MS + 1, true],
    ["pending, past deadline + grace", "pending", 0, SWEEP_GRACE_MS + 1, true],
    ["running, within grace", "running", 0, SWEEP_GRACE_MS, false],
    ["running, before deadline", "running", 10_000, 0, false],
    ["failed, past deadline", "failed", 0, SWEEP_GRACE_MS + 1, false],
    ["completed, past deadline", "completed", 0, SWEEP_GRACE_MS + 1, false],
  ] as const)("isStuck: %s → %s", (_, status, deadline, now, stuck) => {
    expect(isStuck({ status, deadlineAt: at(deadline) }, now)).toBe(stuck);
  });
});

describe("job errors", () => {
  it("keeps technical detail out of the client message", () => {
    const error = jobError("NODE_FAILED", "TypeError: x is undefined\n    at /srv/app/index.js:1:1", "n1");
    expect(error).toEqual({ code: "NODE_FAILED", message: CLIENT_MESSAGES.NODE_FAILED, detail: expect.stringContaining("/srv/app"), nodeId: "n1" });
    for (const message of Object.values(CLIENT_MESSAGES)) expect(message).not.toMatch(/\/|Error|at |\{/);
  });

  it("describes any thrown value for the logs", () => {
    expect(describeError(new Error("boom"))).toMatch(/^Error: boom\n\s+at /);
    expect(describeError("plain")).toBe("plain");
    expect(describeError({ code: 14 })).toBe('{"code":14}');
  });
});

describe("sessionView", () => {
  it("mirrors status and progress and only the client half of the error", () => {
    const job = {
      status: "failed",
      progress: progressAfter(1, 2),
      error: jobError("TIMEOUT", "secret detail", "n2"),
    } as Job;
    expect(sessionView("job-1", job)).toEqual({
      jobId: "job-1",
      jobStatus: "failed",
      jobProgress: { currentNode: 1, totalNodes: 2, percentage: 50 },
      jobError: { code: "TIMEOUT", message: CLIENT_MESSAGES.TIMEOUT },
    });
  });
});
