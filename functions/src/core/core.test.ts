import { Job, type RunRecord } from "@clementine/shared";
import { describe, expect, it } from "vitest";
import { checkJobTimeout, MAX_JOB_TIMEOUT_SECONDS } from "./deadlines.js";
import { CLIENT_MESSAGES, describeError, jobError } from "./jobErrors.js";
import { jobView } from "./jobView.js";
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

describe("the job timeout param", () => {
  it.each([0, -1, 1.5, MAX_JOB_TIMEOUT_SECONDS + 1])("refuses %s s, naming the param", (s) => {
    expect(() => checkJobTimeout(s)).toThrow(/TRANSFORM_JOB_TIMEOUT_SECONDS/);
  });

  it("accepts whole seconds up to the maximum", () => {
    expect(checkJobTimeout(MAX_JOB_TIMEOUT_SECONDS)).toBe(MAX_JOB_TIMEOUT_SECONDS);
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

describe("jobView", () => {
  const payload = { projectId: "p", sessionId: "s", experienceId: "e", stepId: "st", transform: { nodes: [{ id: "a", type: "stub" }, { id: "b", type: "stub" }] }, sessionInputs: { x: 1 } };
  const run = (extra: Partial<RunRecord>): RunRecord => ({
    pipeline: "transform",
    projectId: "p",
    status: "running",
    payload,
    correlationId: "s",
    dedupKey: null,
    priority: 0,
    startAt: null,
    replayOf: null,
    admission: null,
    expiresAt: null,
    steps: {},
    executionData: {},
    progress: { completedSteps: 1, totalSteps: 2, percentage: 50 },
    error: null,
    wakeAt: null,
    lease: null,
    deadlineAt: at(9000),
    eventCount: 2,
    commits: 3,
    createdAt: at(0),
    startedAt: at(1000),
    finishedAt: null,
    updatedAt: at(2000),
    ...extra,
  });

  it("shows progress in nodes and the run's commits as its revision", () => {
    const view = jobView(run({}), payload);
    expect(view).toMatchObject({ status: "running", progress: { currentNode: 1, totalNodes: 2, percentage: 50 }, output: null, error: null, revision: 3 });
    expect(view.deadlineAt?.toMillis()).toBe(9000);
  });

  it("lists each node's result once completed", () => {
    const steps = { a: { output: { result: { n: 1 } } }, b: { output: { result: { n: 2 } } } } as unknown as RunRecord["steps"];
    expect(jobView(run({ status: "completed", steps, progress: { completedSteps: 2, totalSteps: 2, percentage: 100 } }), payload).output).toEqual({
      nodes: [{ nodeId: "a", type: "stub", result: { n: 1 } }, { nodeId: "b", type: "stub", result: { n: 2 } }],
    });
  });

  it("turns a failed step into NODE_FAILED naming the node, with a safe message", () => {
    const view = jobView(run({ status: "failed", error: { code: "STEP_FAILED", message: "x", detail: "Error: boom", step: "b" } }), payload);
    expect(view.error).toEqual({ code: "NODE_FAILED", message: CLIENT_MESSAGES.NODE_FAILED, detail: "Error: boom", nodeId: "b" });
    expect(view.deadlineAt).toBeNull();
  });
});
