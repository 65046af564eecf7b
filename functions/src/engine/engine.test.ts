import { RunEvent, RunRecord } from "@clementine/shared";
import { definePipeline, NonRetryableError, type StepContext, type StepSpec } from "@clementine/pipeline";
import { Timestamp } from "firebase-admin/firestore";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { db } from "../lib/firebase.js";
import "../test/emulators.js";
import { startRun } from "./createRun.js";
import { createEngine, pipeline as enginePipeline, type AnyPipeline, type EnqueueRun, type Pipeline } from "./engine.js";
import { executeRun, SimulatedCrash } from "./executeRun.js";
import { eventsCollection, runRef } from "./refs.js";
import { cancelRun, retryRun } from "./steerRun.js";
import { sweepRuns } from "./sweepRuns.js";
import { takeLease } from "./takeLease.js";

// The engine in this process against the Firestore emulator. Deliveries are
// the test's to make (twice, early, never), the clock is the test's to move,
// and every step counts its executions: what must run once runs once.

const SECOND = 1000;
/** These tests are about steps, leases and deliveries: no concurrency limit (controls.test.ts has those). */
const pipeline = <P>(definition: Parameters<typeof enginePipeline<P>>[0], options: Partial<Pipeline<P>> = {}) => enginePipeline(definition, { concurrency: null, ...options });
const executions = new Map<string, number>();
const count = (runId: string, step: string) => executions.get(`${runId}/${step}`) ?? 0;
const counted = (name: string, dependsOn: string[] = [], body?: (ctx: StepContext<any>) => void | Promise<void>): StepSpec<any> => ({
  name,
  dependsOn,
  output: z.looseObject({}),
  async run(ctx) {
    executions.set(`${ctx.runId}/${name}`, count(ctx.runId, name) + 1);
    await body?.(ctx);
    return { [`${name}Done`]: true };
  },
});

const Payload = z.looseObject({ failTimes: z.int().default(0), failPermanently: z.boolean().default(false) });
/** Five steps in a row; step 4 fails `failTimes` times, retried at 1 s, 2 s, 4 s. */
const fiveSteps = pipeline(
  definePipeline({
    name: "five-steps",
    payload: Payload,
    steps: [
      counted("s1"),
      counted("s2", ["s1"]),
      counted("s3", ["s2"]),
      counted("s4", ["s3"], ({ runId, attempt, payload }) => {
        if (payload.failPermanently && count(runId, "s4") === 1) throw new NonRetryableError("permanently broken");
        if (attempt <= payload.failTimes) throw new Error(`transient failure ${attempt}`);
      }),
      counted("s5", ["s4"]),
    ],
    retry: { maxAttempts: 4, delaysMs: [1 * SECOND, 2 * SECOND, 4 * SECOND] },
    timeoutSeconds: 3600,
  }),
);

function setup(pipelines: AnyPipeline[] = [fiveSteps], options: { failEnqueue?: boolean; maxInvocationMs?: number } = {}) {
  const calls: Array<{ runId: string; id: string; at: number | null }> = [];
  let offset = 0;
  const enqueue: EnqueueRun = (task, opts) => {
    if (options.failEnqueue) return Promise.reject(new Error("14 UNAVAILABLE: Cloud Tasks is down"));
    calls.push({ runId: task.runId, ...opts });
    return Promise.resolve();
  };
  const engine = createEngine({ db, pipelines, enqueue, now: () => Date.now() + offset, invocationBudgetMs: 60 * SECOND, pickupGraceMs: 5 * SECOND, ...(options.maxInvocationMs ? { maxInvocationMs: options.maxInvocationMs } : {}) });
  return { engine, calls, advance: (ms: number) => (offset += ms) };
}

async function start(engine: ReturnType<typeof setup>["engine"], pipelineName: string, payload: unknown = {}) {
  const outcome = await startRun(engine, { pipeline: pipelineName, projectId: "proj-engine", payload });
  if (outcome.kind !== "ready") throw new Error(outcome.kind);
  return outcome.ref.id;
}

const readRun = async (runId: string) => RunRecord.parse((await runRef(db, runId).get()).data());
const readEvents = async (runId: string) =>
  (await eventsCollection(runRef(db, runId)).orderBy("seq").get()).docs.map((d) => RunEvent.parse(d.data())).map((e) => (e.step ? `${e.type}:${e.step}` : e.type));

describe("a run whose step 4 fails twice", () => {
  it("retries step 4 on its schedule and runs steps 1–3 exactly once", async () => {
    const { engine, calls, advance } = setup();
    const runId = await start(engine, "five-steps", { failTimes: 2 });

    expect(await executeRun(engine, runId)).toEqual({ kind: "parked" });
    let run = await readRun(runId);
    expect(run.status).toBe("running");
    expect(run.lease).toBeNull();
    expect(run.steps.s4).toMatchObject({ status: "waiting", attempts: 1, error: { message: "transient failure 1" } });
    const firstWake = run.steps.s4!.wakeAt!.toMillis();
    expect(firstWake - run.steps.s4!.startedAt!.toMillis()).toBeGreaterThanOrEqual(1 * SECOND);
    expect(calls.at(-1)).toMatchObject({ runId, at: firstWake });

    // The Tasks emulator delivers delayed tasks at once: an early delivery changes nothing.
    expect(await executeRun(engine, runId)).toEqual({ kind: "skipped", reason: "early" });

    advance(1 * SECOND);
    expect(await executeRun(engine, runId)).toEqual({ kind: "parked" });
    run = await readRun(runId);
    expect(run.steps.s4).toMatchObject({ status: "waiting", attempts: 2 });
    expect(run.steps.s4!.wakeAt!.toMillis() - firstWake).toBeGreaterThanOrEqual(2 * SECOND);

    advance(2 * SECOND);
    expect(await executeRun(engine, runId)).toEqual({ kind: "completed" });
    run = await readRun(runId);
    expect(run).toMatchObject({ status: "completed", lease: null, wakeAt: null, error: null, progress: { completedSteps: 5, totalSteps: 5, percentage: 100 } });
    expect(run.executionData).toMatchObject({ failTimes: 2, s1Done: true, s5Done: true });
    expect(["s1", "s2", "s3", "s4", "s5"].map((s) => count(runId, s))).toEqual([1, 1, 1, 3, 1]);
    expect(await readEvents(runId)).toEqual([
      "pipeline:started",
      "pipeline:step_completed:s1",
      "pipeline:step_completed:s2",
      "pipeline:step_completed:s3",
      "pipeline:step_failed:s4",
      "pipeline:retry_scheduled:s4",
      "pipeline:step_failed:s4",
      "pipeline:retry_scheduled:s4",
      "pipeline:step_completed:s4",
      "pipeline:step_completed:s5",
      "pipeline:completed",
    ]);
  });

  it("fails the run once its attempts are spent, naming the step, and keeps completed outputs", async () => {
    const { engine, advance } = setup();
    const runId = await start(engine, "five-steps", { failTimes: 99 });
    for (const wait of [0, 1, 2, 4]) {
      advance(wait * SECOND);
      await executeRun(engine, runId);
    }
    const run = await readRun(runId);
    expect(run.status).toBe("failed");
    expect(run.error).toMatchObject({ code: "STEP_FAILED", step: "s4", detail: expect.stringContaining("transient failure 4") });
    expect(run.steps.s4).toMatchObject({ status: "failed", attempts: 4 });
    expect(count(runId, "s4")).toBe(4);
    expect((await readEvents(runId)).slice(-2)).toEqual(["pipeline:step_failed:s4", "pipeline:failed:s4"]);
  });

  it("fails at once on a non-retryable error", async () => {
    const { engine } = setup();
    const runId = await start(engine, "five-steps", { failPermanently: true });
    expect(await executeRun(engine, runId)).toEqual({ kind: "failed" });
    expect((await readRun(runId)).steps.s4).toMatchObject({ status: "failed", attempts: 1, error: { message: "permanently broken" } });
  });
});

describe("deliveries", () => {
  it.each([2, 3])("%i concurrent deliveries of one task run no step twice", async (deliveries) => {
    const { engine } = setup();
    const runId = await start(engine, "five-steps");
    const outcomes = await Promise.all(Array.from({ length: deliveries }, () => executeRun(engine, runId)));
    expect(outcomes.filter((o) => o.kind === "completed")).toHaveLength(1);
    for (const o of outcomes) if (o.kind !== "completed") expect(o).toMatchObject({ kind: "skipped", reason: expect.stringMatching(/^(held|raced|ended)$/) });
    expect(["s1", "s2", "s3", "s4", "s5"].map((s) => count(runId, s))).toEqual([1, 1, 1, 1, 1]);
  });

  it("a stored run this version cannot read is failed with INTERNAL and acknowledged, not redelivered forever", async () => {
    const { engine } = setup();
    const ref = runRef(db, `unreadable-${Date.now()}`);
    await ref.set({ pipeline: "five-steps", projectId: "proj-engine", status: "pending", steps: "not a map" });
    expect(await executeRun(engine, ref.id)).toEqual({ kind: "skipped", reason: "unreadable" });
    expect((await ref.get()).data()).toMatchObject({ status: "failed", wakeAt: null, error: { code: "INTERNAL" } });
  });

  it("a run of a pipeline this deployment does not know is asked again in an hour, not on every sweep", async () => {
    const other = pipeline(definePipeline({ name: "from-elsewhere", payload: Payload, steps: [counted("x")], retry: { maxAttempts: 1, delaysMs: [0] }, timeoutSeconds: 60 }));
    const runId = await start(setup([other]).engine, "from-elsewhere");
    const { engine } = setup();
    expect(await executeRun(engine, runId)).toEqual({ kind: "skipped", reason: "unknown-pipeline" });
    expect((await readRun(runId)).wakeAt!.toMillis()).toBeGreaterThan(Date.now() + 59 * 60 * SECOND);
  });

  it("events stored under the old run.* names still read, as pipeline:*", () => {
    const at = Timestamp.now();
    expect(RunEvent.parse({ seq: 1, type: "run.started", at, step: null, progress: null, error: null, retryAt: null })).toMatchObject({ type: "pipeline:started", runId: "", stepProgress: null });
  });

  it("a late duplicate of a finished run does nothing", async () => {
    const { engine } = setup();
    const runId = await start(engine, "five-steps");
    await executeRun(engine, runId);
    const before = (await runRef(db, runId).get()).updateTime!;
    expect(await executeRun(engine, runId)).toEqual({ kind: "skipped", reason: "ended" });
    expect((await runRef(db, runId).get()).updateTime!.isEqual(before)).toBe(true);
  });

  it("a run whose wake-up call never arrived is enqueued again by the sweeper, and completes", async () => {
    const { engine, calls, advance } = setup();
    const runId = await start(engine, "five-steps");
    expect(calls.map((c) => c.id)).toEqual([`${runId}-start`]); // ...and that delivery is lost
    await sweepRuns(engine, 0);
    expect(calls.filter((c) => c.runId === runId)).toHaveLength(1); // not due yet: its pickup grace runs
    advance(5 * SECOND);
    await sweepRuns(engine, 0);
    expect(calls.filter((c) => c.runId === runId).at(-1)?.id).toMatch(new RegExp(`^${runId}-sweep-`));
    expect(await executeRun(engine, runId)).toEqual({ kind: "completed" });
  });

  it("the sweeper sends a run waiting in a backed-up queue one wake-up call per pickup grace, not one per sweep", async () => {
    const { engine, calls, advance } = setup();
    const runId = await start(engine, "five-steps");
    const sent = () => calls.filter((c) => c.runId === runId).length;
    advance(5 * SECOND);
    await sweepRuns(engine, 0);
    await sweepRuns(engine, 0);
    expect(sent()).toBe(2); // the start, and one from the sweeper
    advance(5 * SECOND);
    await sweepRuns(engine, 0);
    expect(sent()).toBe(3);
    expect(new Set(calls.map((c) => c.id)).size).toBe(calls.length); // each call its own task name
  });

  it("a run accepted while Cloud Tasks is down is picked up by the sweeper", async () => {
    const down = setup([fiveSteps], { failEnqueue: true });
    const runId = await start(down.engine, "five-steps"); // accepted: the create committed
    expect((await readRun(runId)).status).toBe("pending");
    const up = setup();
    up.advance(5 * SECOND);
    await sweepRuns(up.engine, 0);
    expect(up.calls.some((c) => c.runId === runId)).toBe(true);
    expect(await executeRun(up.engine, runId)).toEqual({ kind: "completed" });
  });
});

describe("leases", () => {
  it("a holder whose lease was taken over cannot overwrite the new holder's work", async () => {
    const { engine, advance } = setup();
    const runId = await start(engine, "five-steps");
    const first = await takeLease(engine, runId, "holder-a");
    if (first.kind !== "taken") throw new Error(first.reason);
    const a = first.holder;

    advance(10 * 60 * SECOND); // holder A's lease expires: it looks dead
    const second = await takeLease(engine, runId, "holder-b");
    if (second.kind !== "taken") throw new Error(second.reason);
    const b = second.holder;
    expect(await b.write(() => ({ events: [{ type: "pipeline:step_completed", step: "s1" }] }))).toBe(true);

    expect(await a.write(() => ({ record: { status: "completed" }, events: [{ type: "pipeline:completed" }] }))).toBe(false);
    expect(a.lost).toBe(true);
    const run = await readRun(runId);
    expect(run.lease?.holder).toBe("holder-b");
    expect(run.status).toBe("running");
    expect(await readEvents(runId)).toEqual(["pipeline:started", "pipeline:step_completed:s1"]);
  });

  it("a holder that died mid-step is replaced once its lease expires; completed steps do not run again", async () => {
    const { engine, advance } = setup();
    const runId = await start(engine, "five-steps");
    const crash = new SimulatedCrash("the instance died");
    await expect(executeRun(engine, runId, { beforeStep: (step) => { if (step === "s3") throw crash; } })).rejects.toBe(crash);
    expect((await readRun(runId)).steps).toMatchObject({ s1: { status: "completed" }, s2: { status: "completed" } });

    expect(await executeRun(engine, runId)).toEqual({ kind: "skipped", reason: "held" });
    advance(2 * 60 * SECOND);
    expect(await executeRun(engine, runId)).toEqual({ kind: "completed" });
    expect(["s1", "s2", "s3", "s4", "s5"].map((s) => count(runId, s))).toEqual([1, 1, 1, 1, 1]);
  });
});

describe("invocations that end early", () => {
  it("an invocation running out of time stops its step and hands the run over; the next one runs that step again", async () => {
    const slow = pipeline(definePipeline({
      name: "long-step",
      payload: Payload,
      steps: [counted("quick"), counted("long", ["quick"], ({ signal, attempt }) => (attempt === 1 ? new Promise((_, reject) => signal.addEventListener("abort", () => reject(new Error("stopped")))) : undefined))],
      retry: { maxAttempts: 1, delaysMs: [0] },
      timeoutSeconds: 60,
    }));
    const { engine, calls } = setup([slow], { maxInvocationMs: 300 });
    const runId = await start(engine, "long-step");
    expect(await executeRun(engine, runId)).toEqual({ kind: "continued" });
    const run = await readRun(runId);
    expect(run).toMatchObject({ status: "running", lease: null });
    expect(calls.at(-1)).toMatchObject({ runId, at: run.wakeAt!.toMillis() });
    expect(await executeRun(engine, runId)).toEqual({ kind: "completed" });
    expect([count(runId, "quick"), count(runId, "long")]).toEqual([1, 2]);
  });

  it("a failure that is not the run's (Firestore, say) gives the run back at once instead of holding its lease", async () => {
    const { engine } = setup();
    const runId = await start(engine, "five-steps");
    const outage = new Error("14 UNAVAILABLE: Firestore went away");
    await expect(executeRun(engine, runId, { beforeStep: (step) => { if (step === "s3") throw outage; } })).rejects.toBe(outage);
    expect((await readRun(runId)).lease).toBeNull();
    expect(await executeRun(engine, runId)).toEqual({ kind: "completed" });
    expect(["s1", "s2", "s3", "s4", "s5"].map((s) => count(runId, s))).toEqual([1, 1, 1, 1, 1]);
  });

  it("a run whose next retry would come after its deadline is woken at the deadline, and fails with TIMEOUT", async () => {
    const patient = pipeline(definePipeline({ name: "patient", payload: Payload, steps: [counted("flaky", [], () => { throw new Error("down"); })], retry: { maxAttempts: 5, delaysMs: [60 * SECOND] }, timeoutSeconds: 10 }));
    const { engine, advance } = setup([patient]);
    const runId = await start(engine, "patient");
    expect(await executeRun(engine, runId)).toEqual({ kind: "parked" });
    const parked = await readRun(runId);
    expect(parked.wakeAt!.toMillis()).toBe(parked.deadlineAt!.toMillis());
    advance(10 * SECOND);
    expect(await executeRun(engine, runId)).toEqual({ kind: "failed" });
    expect((await readRun(runId)).error).toMatchObject({ code: "TIMEOUT", step: "flaky" });
  });
});

describe("step graphs", () => {
  it("runs independent steps concurrently and hands each its dependencies' outputs", async () => {
    const spans: Record<string, [number, number]> = {};
    const timed = (name: string, dependsOn: string[]): StepSpec<unknown> => ({
      name,
      dependsOn,
      output: z.looseObject({}),
      async run({ needs }) {
        const begin = performance.now();
        await new Promise((resolve) => setTimeout(resolve, 300));
        spans[name] = [begin, performance.now()];
        return { [name]: Object.keys(needs) };
      },
    });
    const diamond = pipeline(definePipeline({ name: "diamond", payload: z.object({}), steps: [timed("scan", []), timed("copy", ["scan"]), timed("index", ["scan"]), timed("join", ["copy", "index"])], retry: { maxAttempts: 1, delaysMs: [0] }, timeoutSeconds: 60 }));
    const { engine } = setup([diamond]);
    const runId = await start(engine, "diamond");
    expect(await executeRun(engine, runId)).toEqual({ kind: "completed" });
    const [copy, index] = [spans.copy!, spans.index!];
    expect(copy[0] < index[1] && index[0] < copy[1]).toBe(true); // the two intervals overlap
    expect(spans.join![0]).toBeGreaterThanOrEqual(Math.max(copy[1], index[1]));
    expect((await readRun(runId)).executionData).toMatchObject({ scan: [], copy: ["scan"], index: ["scan"], join: ["copy", "index"] });
  });

  it("records the progress a step reports as it runs, at most a few times a second, in order", async () => {
    const copying = pipeline(definePipeline({
      name: "copying",
      payload: z.object({}),
      steps: [{
        name: "copy",
        output: z.looseObject({}),
        async run({ progress }) {
          for (let file = 1; file <= 10; file++) {
            await new Promise((resolve) => setTimeout(resolve, 100));
            progress(file, 10);
          }
          return { copied: 10 };
        },
      }],
      retry: { maxAttempts: 1, delaysMs: [0] },
      timeoutSeconds: 60,
    }));
    const { engine } = setup([copying]);
    const runId = await start(engine, "copying");
    expect(await executeRun(engine, runId)).toEqual({ kind: "completed" });
    const events = (await eventsCollection(runRef(db, runId)).orderBy("seq").get()).docs.map((d) => RunEvent.parse(d.data()));
    const reported = events.filter((e) => e.type === "pipeline:step_progress").map((e) => e.stepProgress!.done);
    expect(reported.length).toBeGreaterThanOrEqual(2);
    expect(reported.length).toBeLessThanOrEqual(6); // 10 reports over ~1 s, committed at most every 250 ms
    expect(reported).toEqual([...reported].sort((a, b) => a - b));
    expect(events.map((e) => e.type).slice(-2)).toEqual(["pipeline:step_completed", "pipeline:completed"]);
    expect(events.every((e) => e.runId === runId)).toBe(true);
    expect((await readRun(runId)).steps.copy).toMatchObject({ status: "completed", attempts: 1, progress: { done: reported.at(-1), total: 10 } });
  });

  it("after a code change mid-run, reuses the outputs of unchanged step names and runs added or renamed ones", async () => {
    const v1 = pipeline(definePipeline({ name: "evolving", payload: Payload, steps: [counted("fetch"), counted("parse", ["fetch"], ({ attempt }) => { if (attempt === 1) throw new Error("flaky"); }), counted("store", ["parse"])], retry: { maxAttempts: 3, delaysMs: [SECOND] }, timeoutSeconds: 60 }));
    const old = setup([v1]);
    const runId = await start(old.engine, "evolving");
    expect(await executeRun(old.engine, runId)).toEqual({ kind: "parked" }); // fetch done, parse waiting for its retry

    // The new code: "parse" kept its name, "store" was renamed "save", "notify" was added.
    const v2 = pipeline(definePipeline({ name: "evolving", payload: Payload, steps: [counted("fetch"), counted("parse", ["fetch"]), counted("save", ["parse"]), counted("notify", ["save"])], retry: { maxAttempts: 3, delaysMs: [SECOND] }, timeoutSeconds: 60 }));
    const next = setup([v2]);
    next.advance(SECOND);
    expect(await executeRun(next.engine, runId)).toEqual({ kind: "completed" });
    expect(["fetch", "parse", "save", "notify", "store"].map((s) => count(runId, s))).toEqual([1, 2, 1, 1, 0]);
    expect((await readRun(runId)).progress).toEqual({ completedSteps: 4, totalSteps: 4, percentage: 100 });
  });

  it("sleeps durably: the run parks until its time, and an early delivery changes nothing", async () => {
    const sleepy = pipeline(definePipeline({ name: "sleepy", payload: z.object({}), steps: [counted("before"), { kind: "sleep", name: "nap", dependsOn: ["before"], durationMs: () => 30 * SECOND }, counted("after", ["nap"])], retry: { maxAttempts: 1, delaysMs: [0] }, timeoutSeconds: 3600 }));
    const { engine, calls, advance } = setup([sleepy]);
    const runId = await start(engine, "sleepy");
    expect(await executeRun(engine, runId)).toEqual({ kind: "parked" });
    const wake = (await readRun(runId)).wakeAt!.toMillis();
    expect(calls.at(-1)).toMatchObject({ at: wake });
    expect(await executeRun(engine, runId)).toEqual({ kind: "skipped", reason: "early" });
    advance(30 * SECOND);
    expect(await executeRun(engine, runId)).toEqual({ kind: "completed" });
    expect(await readEvents(runId)).toEqual(["pipeline:started", "pipeline:step_completed:before", "pipeline:step_sleeping:nap", "pipeline:step_completed:nap", "pipeline:step_completed:after", "pipeline:completed"]);
  });
});

describe("steering a run", () => {
  it("retry from failure resumes at the failed step and keeps completed outputs", async () => {
    const { engine } = setup();
    const runId = await start(engine, "five-steps", { failPermanently: true });
    await executeRun(engine, runId);
    expect(await retryRun(engine, runId)).toMatchObject({ kind: "done" });
    expect(await retryRun(engine, runId)).toEqual({ kind: "conflict", status: "pending" });
    expect(await executeRun(engine, runId)).toEqual({ kind: "completed" });
    expect(["s1", "s2", "s3", "s4", "s5"].map((s) => count(runId, s))).toEqual([1, 1, 1, 2, 1]);
    expect(await readEvents(runId)).toContain("pipeline:retried");
  });

  it("cancel lets the executing step finish but runs nothing after it", async () => {
    let release!: () => void;
    let entered!: () => void;
    const inStep = new Promise<void>((resolve) => (entered = resolve));
    const gate = new Promise<void>((resolve) => (release = resolve));
    const slow = pipeline(definePipeline({ name: "slow", payload: z.object({}), steps: [counted("first", [], async () => { entered(); await gate; }), counted("second", ["first"])], retry: { maxAttempts: 1, delaysMs: [0] }, timeoutSeconds: 60 }));
    const { engine } = setup([slow]);
    const runId = await start(engine, "slow");
    const execution = executeRun(engine, runId);
    await inStep;
    expect(await cancelRun(engine, runId)).toMatchObject({ kind: "done" });
    release();
    expect(await execution).toEqual({ kind: "lost" });
    const run = await readRun(runId);
    expect(run.status).toBe("cancelled");
    expect(count(runId, "second")).toBe(0);
    expect(await cancelRun(engine, runId)).toEqual({ kind: "conflict", status: "cancelled" });
    expect(await readEvents(runId)).toEqual(["pipeline:started", "pipeline:cancelled"]);
  });

  it("a run past its timeout fails with TIMEOUT, stopping the step that overran", async () => {
    const stuck = pipeline(definePipeline({ name: "stuck", payload: z.object({}), steps: [counted("forever", [], ({ signal }) => new Promise((_, reject) => signal.addEventListener("abort", () => reject(new Error("aborted")))))], retry: { maxAttempts: 3, delaysMs: [0] }, timeoutSeconds: 1 }));
    const { engine } = setup([stuck]);
    const runId = await start(engine, "stuck");
    expect(await executeRun(engine, runId)).toEqual({ kind: "failed" });
    expect((await readRun(runId)).error).toMatchObject({ code: "TIMEOUT", message: expect.any(String) });
  });
});
