import { describe, expect, it } from "vitest";
import { z } from "zod";
import { definePipeline, stepGraph, stepsFor, type StepSpec } from "./definition.js";
import { isRetryable, NonRetryableError, PipelineDefinitionError } from "./errors.js";
import { decideRetry, NO_RETRIES, RetryPolicy, retryDelayMs } from "./retry.js";
import { decideTake, executionDataOf, needsOf, nextMove, progressOf } from "./schedule.js";
import { newStep, type StepState } from "./state.js";
import { completeStep, failAttempt, finishSleep, resetFailed, startAttempt, startSleep } from "./transitions.js";

const MIN = 60_000;
const HOUR = 60 * MIN;
const work = (name: string, dependsOn: string[] = []): StepSpec<unknown> => ({
  name,
  dependsOn,
  output: z.record(z.string(), z.unknown()),
  run: () => Promise.resolve({ [name]: true }),
});
const state = (status: StepState["status"], extra: Partial<StepState> = {}): StepState => ({ ...newStep(), status, ...extra });
const done = (output: Record<string, unknown> = {}) => state("completed", { output, attempts: 1 });

describe("retry policy", () => {
  const spec = { maxAttempts: 6, delaysMs: [5 * MIN, 15 * MIN, HOUR, 4 * HOUR, 14 * HOUR] };

  it("follows an explicit schedule, then gives up (the spec's 5 retries over a day)", () => {
    const decisions = [1, 2, 3, 4, 5, 6].map((attempt) => decideRetry(spec, attempt, true));
    expect(decisions).toEqual([
      { retry: true, delayMs: 5 * MIN },
      { retry: true, delayMs: 15 * MIN },
      { retry: true, delayMs: HOUR },
      { retry: true, delayMs: 4 * HOUR },
      { retry: true, delayMs: 14 * HOUR },
      { retry: false, reason: "exhausted" },
    ]);
  });

  it("repeats the last delay of a short schedule", () => {
    expect(retryDelayMs({ maxAttempts: 10, delaysMs: [100, 200] }, 7)).toBe(200);
  });

  it("backs off exponentially up to a cap", () => {
    const policy = RetryPolicy.parse({ maxAttempts: 10, backoff: { initialMs: 1000, maxMs: 10_000 } });
    expect([1, 2, 3, 4, 5].map((a) => retryDelayMs(policy, a))).toEqual([1000, 2000, 4000, 8000, 10_000]);
  });

  it("fails at once for a non-retryable error, however many attempts are left", () => {
    expect(decideRetry(spec, 1, false)).toEqual({ retry: false, reason: "non-retryable" });
    expect(isRetryable(new NonRetryableError("bad image"))).toBe(false);
    expect(isRetryable(new Error("ECONNRESET"))).toBe(true);
  });

  it("NO_RETRIES fails on the first failure", () => {
    expect(decideRetry(NO_RETRIES, 1, true)).toEqual({ retry: false, reason: "exhausted" });
  });

  it.each([
    [{ maxAttempts: 0, delaysMs: [1] }],
    [{ maxAttempts: 3, delaysMs: [] }],
    [{ maxAttempts: 3, delaysMs: [-1] }],
    [{ maxAttempts: 3, backoff: { initialMs: 1, maxMs: 2, factor: 0.5 } }],
  ])("refuses a malformed policy %j", (policy) => {
    expect(RetryPolicy.safeParse(policy).success).toBe(false);
  });
});

describe("step graphs", () => {
  it.each([
    ["duplicate names", [work("a"), work("a")], /used twice/],
    ["an unknown dependency", [work("a", ["b"])], /unknown step 'b'/],
    ["a cycle", [work("a", ["c"]), work("b", ["a"]), work("c", ["b"])], /cycle: a → c → b → a/],
    ["no steps", [], /at least one step/],
  ])("refuses %s", (_, steps, message) => {
    expect(() => stepGraph(steps)).toThrow(PipelineDefinitionError);
    expect(() => stepGraph(steps)).toThrow(message);
  });

  it("refuses a pipeline name that cannot name documents and URLs", () => {
    expect(() => definePipeline({ name: "Demo Task", payload: z.object({}), steps: [work("a")], retry: NO_RETRIES, timeoutSeconds: 60 })).toThrow(/lowercase/);
  });

  it("builds the steps of a data-driven pipeline from its payload", () => {
    const pipeline = definePipeline({
      name: "nodes",
      payload: z.object({ nodes: z.array(z.string()) }),
      steps: ({ nodes }) => nodes.map((n, i) => work(n, i ? [nodes[i - 1]!] : [])),
      retry: NO_RETRIES,
      timeoutSeconds: 60,
    });
    expect(stepsFor(pipeline, { nodes: ["x", "y"] }).steps.map((s) => [s.name, s.dependsOn])).toEqual([["x", []], ["y", ["x"]]]);
  });
});

describe("nextMove", () => {
  // init → (a, b in parallel) → join
  const graph = stepGraph([work("init"), work("a", ["init"]), work("b", ["init"]), work("join", ["a", "b"])]);

  it("starts with the steps that depend on nothing", () => {
    expect(nextMove(graph, {}, 0)).toEqual({ kind: "run", steps: ["init"] });
  });

  it("takes step names that are Object.prototype's own (a node id is data)", () => {
    const odd = stepGraph([work("constructor"), work("toString", ["constructor"])]);
    expect(nextMove(odd, {}, 0)).toEqual({ kind: "run", steps: ["constructor"] });
    expect(nextMove(odd, { constructor: done() }, 0)).toEqual({ kind: "run", steps: ["toString"] });
  });

  it("runs independent steps together once their dependency completed", () => {
    expect(nextMove(graph, { init: done() }, 0)).toEqual({ kind: "run", steps: ["a", "b"] });
  });

  it("starts what became ready while other steps are still executing here", () => {
    expect(nextMove(graph, { init: done(), a: done(), b: state("running") }, 0, new Set(["b"]))).toEqual({ kind: "busy" });
    expect(nextMove(graph, { init: done(), a: done() }, 0, new Set(["b"]))).toEqual({ kind: "busy" });
  });

  it("re-runs a step left running by an invocation that died", () => {
    expect(nextMove(graph, { init: state("running", { attempts: 1 }) }, 0)).toEqual({ kind: "run", steps: ["init"] });
  });

  it("parks until the earliest retry when nothing else can run", () => {
    const steps = { init: done(), a: state("waiting", { wakeAt: 5000 }), b: state("waiting", { wakeAt: 3000 }) };
    expect(nextMove(graph, steps, 1000)).toEqual({ kind: "wait", until: 3000 });
    expect(nextMove(graph, steps, 3000)).toEqual({ kind: "run", steps: ["b"] });
  });

  it("runs a ready step even while a sibling waits for its retry", () => {
    expect(nextMove(graph, { init: done(), a: state("waiting", { wakeAt: 9000 }) }, 0)).toEqual({ kind: "run", steps: ["b"] });
  });

  it("is completed when every step of the current code completed, and ignores removed steps", () => {
    const all = { init: done(), a: done(), b: done(), join: done(), removed: state("failed") };
    expect(nextMove(graph, all, 0)).toEqual({ kind: "completed" });
  });

  it("is failed as soon as a step failed for good", () => {
    expect(nextMove(graph, { init: done(), a: state("failed") }, 0)).toEqual({ kind: "failed", step: "a" });
  });

  it("memoizes by name: after a code change, unchanged names are done and a renamed step runs", () => {
    const changed = stepGraph([work("init"), work("a2", ["init"]), work("b", ["init"]), work("join", ["a2", "b"])]);
    expect(nextMove(changed, { init: done(), a: done(), b: done() }, 0)).toEqual({ kind: "run", steps: ["a2"] });
  });
});

describe("decideTake", () => {
  const graph = stepGraph([work("a"), work("b", ["a"])]);
  const run = (extra: Partial<Parameters<typeof decideTake>[0]>) => ({ status: "running" as const, lease: null, steps: {}, ...extra });

  it("takes a pending run, or a running one that is due", () => {
    expect(decideTake(run({ status: "pending" }), graph, 0)).toEqual({ take: true });
    expect(decideTake(run({ steps: { a: done() } }), graph, 0)).toEqual({ take: true });
  });

  it("leaves an ended run alone", () => {
    for (const status of ["completed", "failed", "cancelled"] as const) expect(decideTake(run({ status }), graph, 0)).toEqual({ take: false, reason: "ended" });
  });

  it("leaves a run whose lease is live, and takes it once the lease expired", () => {
    const lease = { holder: "other", expiresAt: 1000 };
    expect(decideTake(run({ lease }), graph, 999)).toEqual({ take: false, reason: "held" });
    expect(decideTake(run({ lease }), graph, 1000)).toEqual({ take: true });
  });

  it("ignores a delivery that came before the retry is due (the Tasks emulator ignores schedule times)", () => {
    const steps = { a: state("waiting", { wakeAt: 5000, attempts: 1 }) };
    expect(decideTake(run({ steps }), graph, 4999)).toEqual({ take: false, reason: "early" });
    expect(decideTake(run({ steps }), graph, 5000)).toEqual({ take: true });
  });

  it("takes a run past its timeout even before its retry is due, so that it can be failed", () => {
    const steps = { a: state("waiting", { wakeAt: 5000, attempts: 1 }) };
    expect(decideTake(run({ steps, deadlineAt: 4000 }), graph, 3999)).toEqual({ take: false, reason: "early" });
    expect(decideTake(run({ steps, deadlineAt: 4000 }), graph, 4000)).toEqual({ take: true });
  });
});

describe("step transitions", () => {
  const policy = { maxAttempts: 3, delaysMs: [1000, 2000] };

  it("counts attempts and schedules the retry from the failure time", () => {
    let step = startAttempt(newStep(), 100);
    expect(step).toMatchObject({ status: "running", attempts: 1, startedAt: 100 });
    const first = failAttempt(step, { message: "boom", detail: "Error: boom" }, policy, true, 200);
    expect(first.step).toMatchObject({ status: "waiting", wakeAt: 1200, error: { message: "boom" } });
    step = startAttempt(first.step, 1200);
    expect(step).toMatchObject({ attempts: 2, error: null, startedAt: 100 });
    step = failAttempt(step, { message: "boom", detail: "" }, policy, true, 1300).step;
    step = failAttempt(startAttempt(step, 3300), { message: "boom", detail: "" }, policy, true, 3400).step;
    expect(step).toMatchObject({ status: "failed", attempts: 3, finishedAt: 3400, wakeAt: null });
  });

  it("completes with its output, and a retry from failure keeps completed steps", () => {
    const completed = completeStep(startAttempt(newStep(), 0), { n: 1 }, 10);
    expect(completed).toMatchObject({ status: "completed", output: { n: 1 }, finishedAt: 10 });
    expect(resetFailed(completed)).toBe(completed);
    const failed = state("failed", { attempts: 3, error: { message: "x", detail: "" } });
    expect(resetFailed(failed)).toMatchObject({ status: "pending", attempts: 0, error: null });
  });

  it("sleeps durably: waiting until its time, then completed without an attempt", () => {
    const sleeping = startSleep(newStep(), 5000, 1000);
    expect(sleeping).toMatchObject({ status: "waiting", wakeAt: 6000, attempts: 0 });
    expect(finishSleep(sleeping, 6001)).toMatchObject({ status: "completed", output: { sleptUntil: new Date(6000).toISOString() } });
  });
});

describe("run views", () => {
  const graph = stepGraph([work("a"), work("b", ["a"]), work("c", ["a"])]);

  it("counts progress over the current steps", () => {
    expect(progressOf(graph, { a: done(), b: done(), gone: done() })).toEqual({ completedSteps: 2, totalSteps: 3, percentage: 66 });
  });

  it("merges completed outputs over the payload, in step order, and hands a step its dependencies' outputs", () => {
    const steps = { a: done({ files: 2, x: "a" }), b: done({ x: "b" }), c: state("running") };
    expect(executionDataOf(graph, { sd_path: "/mnt", x: "payload" }, steps)).toEqual({ sd_path: "/mnt", files: 2, x: "b" });
    expect(needsOf(graph, "b", steps)).toEqual({ a: { files: 2, x: "a" } });
  });
});
