import { RunRecord } from "@clementine/shared";
import { definePipeline, type StepSpec } from "@clementine/pipeline";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { db } from "../lib/firebase.js";
import { uniqueId } from "../test/emulators.js";
import { startRun, type NewRun } from "./createRun.js";
import { createEngine, pipeline, type AnyPipeline, type Engine, type EngineConfig } from "./engine.js";
import { executeRun } from "./executeRun.js";
import { cleanupRuns, listRuns, type HistoryFilter } from "./history.js";
import { metricsCollection, queueCounts, recordMinute, MINUTE_MS } from "./metrics.js";
import { eventsCollection, runRef } from "./refs.js";
import { cancelRun } from "./steerRun.js";

// The queue controls, with the engine in this process against the Firestore
// emulator. Each test's engine delivers its own wake-up calls (at their
// scheduled time, as Cloud Tasks would), so what a run waits for (a slot, a
// rate limit's window) is only ever ended by the engine's own wake-ups.

const SECOND = 1000;
const DAY = 24 * 3600 * SECOND;
const Payload = z.looseObject({ label: z.string().default(""), fail: z.boolean().default(false) });

/** A one-step pipeline whose step records when it ran and how many of its kind ran at once. */
function probe(name: string, options: { holdMs?: number; rateLimit?: string; concurrency?: AnyPipeline["concurrency"]; hold?: Promise<void> } = {}) {
  const log: Array<{ label: string; at: number }> = [];
  let live = 0;
  let maxLive = 0;
  const step: StepSpec<z.infer<typeof Payload>> = {
    name: "work",
    output: z.looseObject({}),
    ...(options.rateLimit ? { rateLimit: { name: options.rateLimit } } : {}),
    async run({ payload }) {
      log.push({ label: payload.label, at: Date.now() });
      maxLive = Math.max(maxLive, ++live);
      await new Promise((r) => setTimeout(r, options.holdMs ?? 0));
      if (options.hold && payload.label === "first") await options.hold;
      live--;
      if (payload.fail) throw new Error("this run was asked to fail");
      return { done: true };
    },
  };
  const definition = pipeline(definePipeline({ name, payload: Payload, steps: [step], retry: { maxAttempts: 1, delaysMs: [0] }, timeoutSeconds: 600 }), {
    concurrency: options.concurrency === undefined ? null : options.concurrency,
    dedupKey: (payload: z.infer<typeof Payload>) => (payload.label.startsWith("key:") ? payload.label : undefined),
  });
  return { definition, log, maxLive: () => maxLive };
}

/**
 * An engine that delivers its own wake-up calls at their time, and knows when
 * every delivery it started has settled.
 */
function selfDelivering(pipelines: AnyPipeline[], config: Partial<EngineConfig> = {}) {
  const inFlight = new Set<Promise<unknown>>();
  const engine: Engine = createEngine({
    db,
    pipelines,
    invocationBudgetMs: 60 * SECOND,
    pickupGraceMs: 30 * SECOND,
    enqueue: (task, { at }) => {
      const delivery = new Promise((resolve) => setTimeout(resolve, Math.max(0, (at ?? 0) - engine.now()))).then(() => executeRun(engine, task.runId));
      inFlight.add(delivery);
      void delivery.finally(() => inFlight.delete(delivery));
      return Promise.resolve();
    },
    ...config,
  });
  /** Until no delivery is in flight (each may start others), or the deadline. */
  const drain = async (deadlineMs = 25 * SECOND) => {
    const until = Date.now() + deadlineMs;
    while (inFlight.size > 0) {
      if (Date.now() > until) throw new Error(`deliveries still in flight after ${deadlineMs} ms`);
      await Promise.race([Promise.allSettled([...inFlight]), new Promise((r) => setTimeout(r, 50))]);
    }
  };
  return { engine, drain };
}

async function start(engine: Engine, run: Omit<NewRun, "projectId"> & { projectId?: string }) {
  const outcome = await startRun(engine, { projectId: "proj-controls", ...run });
  if (outcome.kind !== "ready" && outcome.kind !== "existing") throw new Error(outcome.kind);
  return { runId: outcome.ref.id, created: outcome.kind === "ready" };
}
const readRun = async (runId: string) => RunRecord.parse((await runRef(db, runId).get()).data());

describe("deduplication (FR-014)", () => {
  it("racing starts with one key create one run; force creates another; a key whose run ended starts afresh", async () => {
    const { definition } = probe(uniqueId("dedup"), { holdMs: 300 });
    const { engine, drain } = selfDelivering([definition]);
    const key = `key:${uniqueId("track")}`;
    const name = definition.definition.name;
    const racing = await Promise.all(Array.from({ length: 6 }, () => start(engine, { pipeline: name, payload: { label: key } })));
    expect(racing.filter((r) => r.created)).toHaveLength(1);
    expect(new Set(racing.map((r) => r.runId)).size).toBe(1);

    const forced = await start(engine, { pipeline: name, payload: { label: key }, force: true });
    expect(forced.created).toBe(true);
    expect(forced.runId).not.toBe(racing[0]!.runId);
    // The key now names the forced run: a start while it lives returns it.
    expect(await start(engine, { pipeline: name, payload: { label: key } })).toEqual({ runId: forced.runId, created: false });

    await drain();
    expect((await readRun(forced.runId)).status).toBe("completed");
    const after = await start(engine, { pipeline: name, payload: { label: key } });
    expect(after.created).toBe(true);
    await drain();
    const history = await listRuns(db, { projectId: "proj-controls", pipeline: name, dedupKey: key }, { limit: 10 });
    expect(history.runs.map((r) => r.runId).sort()).toEqual([racing[0]!.runId, forced.runId, after.runId].sort());
  });
});

describe("delayed start (FR-011)", () => {
  it("no step runs a moment before the start time, and the run starts once it has come", async () => {
    const { definition, log } = probe(uniqueId("delayed"));
    let offset = 0;
    const calls: Array<number | null> = [];
    const engine = createEngine({ db, pipelines: [definition], invocationBudgetMs: 60 * SECOND, pickupGraceMs: 5 * SECOND, now: () => 1_900_000_000_000 + offset, enqueue: (_t, { at }) => (calls.push(at), Promise.resolve()) });
    const startAt = 1_900_000_000_000 + 90 * SECOND;
    const { runId } = await start(engine, { pipeline: definition.definition.name, payload: {}, startAt });
    expect(calls).toEqual([startAt]); // the start task is scheduled for then
    expect((await readRun(runId)).wakeAt!.toMillis()).toBe(startAt);

    offset = 90 * SECOND - 1;
    expect(await executeRun(engine, runId)).toEqual({ kind: "skipped", reason: "early" });
    expect(log).toHaveLength(0);
    offset = 90 * SECOND;
    expect(await executeRun(engine, runId)).toEqual({ kind: "completed" });
    expect((await readRun(runId)).startedAt!.toMillis()).toBeGreaterThanOrEqual(startAt);
  });
});

describe("concurrency (FR-018)", () => {
  it("never executes more runs at once than the limit, and starts every waiting run as slots free up", async () => {
    const { definition, log, maxLive } = probe(uniqueId("limited"), { holdMs: 500, concurrency: { limit: 3 } });
    const { engine, drain } = selfDelivering([definition]);
    const runs = await Promise.all(Array.from({ length: 12 }, (_, i) => start(engine, { pipeline: definition.definition.name, payload: { label: `r${i}` } })));
    await drain();
    expect(maxLive()).toBe(3);
    expect(log).toHaveLength(12);
    for (const { runId } of runs) expect((await readRun(runId)).status).toBe("completed");
  });

  it("a per-key limit holds each key to it, and keys do not wait for each other", async () => {
    const name = uniqueId("per-key");
    let live: Record<string, number> = {};
    const worst: Record<string, number> = {};
    const step: StepSpec<{ label: string }> = {
      name: "work",
      output: z.looseObject({}),
      async run({ payload }) {
        live = { ...live, [payload.label]: (live[payload.label] ?? 0) + 1 };
        worst[payload.label] = Math.max(worst[payload.label] ?? 0, live[payload.label]!);
        await new Promise((r) => setTimeout(r, 400));
        live = { ...live, [payload.label]: live[payload.label]! - 1 };
        return {};
      },
    };
    const perKey = pipeline(definePipeline({ name, payload: z.object({ label: z.string() }), steps: [step], retry: { maxAttempts: 1, delaysMs: [0] }, timeoutSeconds: 600 }), {
      concurrency: { limit: 2, key: (p: { label: string }) => p.label },
    });
    const { engine, drain } = selfDelivering([perKey]);
    await Promise.all(["a", "b"].flatMap((label) => Array.from({ length: 5 }, () => start(engine, { pipeline: name, payload: { label } }))));
    await drain();
    expect(worst).toEqual({ a: 2, b: 2 });
  });

  it("when runs wait, higher priority starts first, then earlier submissions (FR-013)", async () => {
    let release!: () => void;
    const hold = new Promise<void>((r) => (release = r));
    const { definition, log } = probe(uniqueId("priority"), { holdMs: 20, concurrency: { limit: 1 }, hold });
    const { engine, drain } = selfDelivering([definition]);
    const name = definition.definition.name;
    // One run holds the only slot while the queue backs up behind it.
    await start(engine, { pipeline: name, payload: { label: "first" } });
    await expect.poll(() => log.length).toBe(1);
    const queued = ["low-1", "low-2", "high-1", "low-3", "low-4", "high-2", "low-5", "low-6"];
    const runs = [];
    for (const label of queued) runs.push(await start(engine, { pipeline: name, payload: { label }, priority: label.startsWith("high") ? 10 : -10 }));
    // Every one of them was delivered and found no slot.
    for (const { runId } of runs) await expect.poll(async () => (await readRun(runId)).wakeAt!.toMillis()).toBeGreaterThan(Date.now() + 60 * SECOND);
    release();
    await drain();
    expect(log.map((l) => l.label)).toEqual(["first", "high-1", "high-2", "low-1", "low-2", "low-3", "low-4", "low-5", "low-6"]);
  });

  it("a run with a delayed start holds back nobody before its start comes", async () => {
    const { definition, log } = probe(uniqueId("delayed-slot"), { concurrency: { limit: 1 } });
    const { engine } = selfDelivering([definition]);
    const name = definition.definition.name;
    const later = await start(engine, { pipeline: name, payload: { label: "later" }, startAt: Date.now() + 3600 * SECOND });
    const now = await start(engine, { pipeline: name, payload: { label: "now" } });
    await expect.poll(async () => (await readRun(now.runId)).status, { timeout: 10_000 }).toBe("completed");
    expect(log.map((l) => l.label)).toEqual(["now"]);
    // Its start task stays scheduled an hour ahead; cancelled, it will find nothing to do.
    expect(await cancelRun(engine, later.runId)).toMatchObject({ kind: "done" });
  });

  it("a cancelled run gives its slot back, and the next run starts", async () => {
    let release!: () => void;
    const blocked = new Promise<void>((r) => (release = r));
    const name = uniqueId("cancel-slot");
    const steps: StepSpec<{ label: string }>[] = [
      { name: "one", output: z.looseObject({}), run: async ({ payload }) => (payload.label === "blocker" ? (await blocked, {}) : {}) },
      { name: "two", dependsOn: ["one"], output: z.looseObject({}), run: () => Promise.resolve({}) },
    ];
    const single = pipeline(definePipeline({ name, payload: z.object({ label: z.string() }), steps, retry: { maxAttempts: 1, delaysMs: [0] }, timeoutSeconds: 600 }), { concurrency: { limit: 1 } });
    const { engine, drain } = selfDelivering([single]);
    const blocker = await start(engine, { pipeline: name, payload: { label: "blocker" } });
    const next = await start(engine, { pipeline: name, payload: { label: "next" } });
    await expect.poll(async () => (await readRun(next.runId)).wakeAt?.toMillis() ?? 0, { timeout: 10_000 }).toBeGreaterThan(Date.now() + 60 * SECOND); // waiting for the slot
    expect(await cancelRun(engine, blocker.runId)).toMatchObject({ kind: "done" });
    await expect.poll(async () => (await readRun(next.runId)).status, { timeout: 10_000 }).toBe("completed");
    release();
    await drain();
    expect((await readRun(blocker.runId)).status).toBe("cancelled");
  });
});

describe("rate limits (FR-008, FR-009)", () => {
  const LIMIT = { limit: 4, windowMs: 500 };
  const overAnyWindow = (times: number[]) => Math.max(...times.map((t) => times.filter((u) => u >= t && u < t + LIMIT.windowMs).length));

  it("no window holds more step executions than the limit, across a restart, and excess work waits instead of failing", async () => {
    const limitName = uniqueId("api");
    const { definition, log } = probe(uniqueId("throttled"), { rateLimit: limitName });
    const name = definition.definition.name;
    const first = selfDelivering([definition], { rateLimits: { [limitName]: LIMIT } });
    const before = await Promise.all(Array.from({ length: 8 }, (_, i) => start(first.engine, { pipeline: name, payload: { label: `a${i}` } })));
    await first.drain();
    // A new engine (a restart: nothing in memory) finds the window in Firestore and does not burst.
    const second = selfDelivering([definition], { rateLimits: { [limitName]: LIMIT } });
    const after = await Promise.all(Array.from({ length: 8 }, (_, i) => start(second.engine, { pipeline: name, payload: { label: `b${i}` } })));
    await second.drain();

    expect(log).toHaveLength(16);
    expect(overAnyWindow(log.map((l) => l.at))).toBeLessThanOrEqual(LIMIT.limit);
    for (const { runId } of [...before, ...after]) {
      const run = await readRun(runId);
      expect(run.status).toBe("completed");
      expect(run.steps.work!.attempts).toBe(1); // waiting for the window is not an attempt
    }
    // Only the limit's worth went through at once; the rest waited for the window.
    const waited = await Promise.all([...before, ...after].map(async ({ runId }) => (await eventsCollection(runRef(db, runId)).where("type", "==", "pipeline:step_throttled").count().get()).data().count > 0));
    expect(waited.filter(Boolean).length).toBeGreaterThanOrEqual(16 - 2 * LIMIT.limit);
  });
});

describe("history, retention and metrics (FR-006, FR-007, FR-015)", () => {
  it("lists ended runs by pipeline, status, key and date range, newest first, page by page", async () => {
    const projectId = uniqueId("proj-history");
    const { definition } = probe(uniqueId("history"));
    const name = definition.definition.name;
    let offset = -10 * DAY;
    const { engine, drain } = selfDelivering([definition], { now: () => Date.now() + offset });
    const ids: string[] = [];
    for (const [i, fail] of [false, true, false, true, false].entries()) {
      offset = -(10 - i) * DAY; // one run a day
      ids.push((await start(engine, { projectId, pipeline: name, payload: { label: i === 4 ? "key:last" : `r${i}`, fail } })).runId);
      await drain();
    }
    const list = (filter: Omit<HistoryFilter, "projectId">) => listRuns(db, { projectId, ...filter }, { limit: 10 });
    expect((await list({})).runs.map((r) => r.runId)).toEqual([...ids].reverse());
    expect((await list({ status: "failed" })).runs.map((r) => r.runId)).toEqual([ids[3], ids[1]]);
    expect((await list({ pipeline: name, status: "completed" })).runs.map((r) => r.runId)).toEqual([ids[4], ids[2], ids[0]]);
    expect((await list({ dedupKey: "key:last" })).runs.map((r) => r.runId)).toEqual([ids[4]]);
    const day = (n: number) => Date.now() - n * DAY;
    expect((await list({ from: day(9.5), to: day(7.5) })).runs.map((r) => r.runId)).toEqual([ids[2], ids[1]]);

    const page1 = await listRuns(db, { projectId }, { limit: 2 });
    const page2 = await listRuns(db, { projectId }, { limit: 2, after: page1.next! });
    expect([...page1.runs, ...page2.runs].map((r) => r.runId)).toEqual([ids[4], ids[3], ids[2], ids[1]]);
    const failed = (await list({ status: "failed" })).runs[0]!.record;
    expect(failed).toMatchObject({ error: { code: "STEP_FAILED", step: "work" }, startedAt: expect.anything(), finishedAt: expect.anything() });
  });

  it("a finished run expires 30 days after it ended; the cleanup deletes it with its events and keeps younger ones", async () => {
    const { definition } = probe(uniqueId("retention"));
    const name = definition.definition.name;
    const old = selfDelivering([definition], { now: () => Date.now() - 31 * DAY });
    const { runId: oldRun } = await start(old.engine, { pipeline: name, payload: {} });
    await old.drain();
    const young = selfDelivering([definition]);
    const { runId: youngRun } = await start(young.engine, { pipeline: name, payload: {} });
    await young.drain();
    const record = await readRun(oldRun);
    expect(record.expiresAt!.toMillis() - record.finishedAt!.toMillis()).toBe(30 * DAY);
    expect((await eventsCollection(runRef(db, oldRun)).get()).size).toBeGreaterThan(0);

    expect(await cleanupRuns(young.engine)).toBeGreaterThanOrEqual(1);
    expect((await runRef(db, oldRun).get()).exists).toBe(false);
    expect((await eventsCollection(runRef(db, oldRun)).get()).size).toBe(0);
    expect((await runRef(db, youngRun).get()).exists).toBe(true);
  });

  it("counts each minute's runs by state from aggregation queries, equal to the runs", async () => {
    const projectId = uniqueId("proj-metrics");
    // The recorder finds projects by their documents (an admin's membership is one).
    await db.doc(`projects/${projectId}/members/admin-metrics`).set({ role: "admin" });
    const { definition } = probe(uniqueId("metrics"));
    const name = definition.definition.name;
    // Every run ends inside one minute of the engine's clock.
    const base = Math.floor(Date.now() / MINUTE_MS) * MINUTE_MS - 10 * MINUTE_MS + 5 * SECOND;
    const t0 = Date.now();
    const { engine, drain } = selfDelivering([definition], { now: () => base + (Date.now() - t0) });
    for (const fail of [false, false, false, true, false, true, false]) await start(engine, { projectId, pipeline: name, payload: { fail } });
    await drain();
    const waiting = await startRun(createEngine({ db, pipelines: [definition], invocationBudgetMs: 1000, pickupGraceMs: 1000, enqueue: () => Promise.resolve() }), { pipeline: name, projectId, payload: {} });
    expect(waiting.kind).toBe("ready");

    expect(await queueCounts(db, projectId, name)).toEqual({ waiting: 1, running: 0, completed: 5, failed: 2, cancelled: 0 });
    const recorder = createEngine({ db, pipelines: [definition], invocationBudgetMs: 1000, pickupGraceMs: 1000, enqueue: () => Promise.resolve(), now: () => base + MINUTE_MS });
    await recordMinute(recorder, [name]);
    const minute = await metricsCollection(db, projectId).doc(`${name}-${new Date(base - 5 * SECOND).toISOString()}`).get();
    expect(minute.data()).toMatchObject({ pipeline: name, waiting: 1, running: 0, completed: 5, failed: 2, failureRate: 2 / 7 });
    await cancelRun(engine, (waiting as { ref: { id: string } }).ref.id);
  });
});
