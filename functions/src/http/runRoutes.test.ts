import { RunRecord } from "@clementine/shared";
import type { DocumentSnapshot } from "firebase-admin/firestore";
import { beforeAll, describe, expect, it } from "vitest";
import { prepareRun } from "../engine/createRun.js";
import { createEngine } from "../engine/engine.js";
import { eventsCollection, runRef } from "../engine/refs.js";
import { db } from "../lib/firebase.js";
import { driveUntil, fireSchedule, functionUrl, postJson, signUpAnonymously, testPipelines, uniqueId, type Guest } from "../test/emulators.js";

// The engine end to end: the admin API starts runs, the Tasks emulator
// delivers them to `pipelineRun`, and the sweeper (fired here as the local
// stack's scheduler does) wakes runs whose retry is due.

let admin: Guest;
let stranger: Guest;
const projectId = uniqueId("proj");
const api = (path: string) => `${functionUrl("api")}${path}`;
const as = (user: Guest) => ({ authorization: `Bearer ${user.idToken}` });

beforeAll(async () => {
  [admin, stranger] = await Promise.all([signUpAnonymously(), signUpAnonymously()]);
  await db.doc(`projects/${projectId}/members/${admin.uid}`).set({ role: "admin" });
  // Warm two workers of each function the runs go through.
  await Promise.all([1, 2].map(() => postJson(api("/runs/warm-up"), null, as(admin), "GET")));
});

async function startDemo(payload: Record<string, unknown>) {
  const res = await postJson(api(`/projects/${projectId}/pipelines/demo-task/runs`), { payload }, as(admin));
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  return res.body.runId as string;
}

const ended = (snap: DocumentSnapshot) => ["completed", "failed", "cancelled"].includes(snap.get("status"));

/** Follows the run with a listener, firing the sweeper as the local stack would, until `until` holds. */
async function driveRun(runId: string, until: (snap: DocumentSnapshot) => boolean = ended, deadlineMs = 40_000) {
  return RunRecord.parse((await driveUntil(runRef(db, runId), until, deadlineMs)).data());
}

const eventTypes = async (runId: string) => (await eventsCollection(runRef(db, runId)).orderBy("seq").get()).docs.map((d) => `${d.get("type")}${d.get("step") ? `:${d.get("step")}` : ""}`);

describe("the demo task through the admin API", () => {
  it("runs its five steps in one delivery, merging every output into the execution data", async () => {
    const runId = await startDemo({ taskId: "track-1", delayMs: 0 });
    const run = await driveRun(runId);
    expect(run.status).toBe("completed");
    expect(run.executionData).toMatchObject({ taskId: "track-1", processedItems: 42, apiStatus: 200, summary: "42 items processed; the API answered 200" });
    expect(Object.values(run.steps).map((s) => s.attempts)).toEqual([1, 1, 0, 1, 1]); // the sleep counts no attempt
    expect(await eventTypes(runId)).toEqual([
      "pipeline:started",
      "pipeline:step_completed:initialize",
      "pipeline:step_completed:process",
      "pipeline:step_sleeping:simulate-delay",
      "pipeline:step_completed:simulate-delay",
      "pipeline:step_completed:simulate-api-call",
      "pipeline:step_completed:finalize",
      "pipeline:completed",
    ]);

    const res = await postJson(api(`/runs/${runId}`), null, as(admin), "GET");
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ runId, pipeline: "demo-task", status: "completed", progress: { percentage: 100 }, steps: { finalize: { status: "completed" } } });
    expect(res.body.events).toHaveLength(8);
    expect(res.body.createdAt).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  it("fails at step 4 twice, retries on its schedule, and completes with steps 1–3 run once", async () => {
    const runId = await startDemo({ simulateFailure: true, failAtStep: "simulate-api-call", failTimes: 2, retryDelaysMs: [300, 300], delayMs: 0 });
    const run = await driveRun(runId);
    expect(run.status).toBe("completed");
    expect(run.steps).toMatchObject({
      initialize: { attempts: 1 },
      process: { attempts: 1 },
      "simulate-api-call": { attempts: 3, status: "completed" },
      finalize: { attempts: 1 },
    });
    const events = await eventTypes(runId);
    expect(events.filter((e) => e === "pipeline:retry_scheduled:simulate-api-call")).toHaveLength(2);
    expect(events.filter((e) => e === "pipeline:step_completed:initialize")).toHaveLength(1);
  });

  it("fails for good after its last retry; a retry from failure reruns only the failed step", async () => {
    const runId = await startDemo({ simulateFailure: true, failAtStep: "finalize", retryDelaysMs: [200], delayMs: 0 });
    let run = await driveRun(runId);
    expect(run).toMatchObject({ status: "failed", error: { code: "STEP_FAILED", step: "finalize", message: expect.not.stringContaining("simulated") } });
    expect(run.steps.finalize).toMatchObject({ status: "failed", attempts: 2 });

    const retried = await postJson(api(`/runs/${runId}/retry`), {}, as(admin));
    expect(retried).toMatchObject({ status: 200, body: { runId, status: "pending" } });
    run = await driveRun(runId, (snap) => ended(snap) && (snap.get("eventCount") as number) > 10);
    expect(run.status).toBe("failed"); // the simulated failure is still there
    expect(run.steps.initialize!.attempts).toBe(1);
    expect(run.steps["simulate-api-call"]!.attempts).toBe(1);
    expect(run.steps.finalize!.attempts).toBe(2); // a fresh set of attempts
    expect((await eventTypes(runId)).filter((e) => /^pipeline:(started|completed|failed|cancelled|retried)/.test(e)).slice(1)).toEqual(["pipeline:failed:finalize", "pipeline:retried", "pipeline:failed:finalize"]);
  });

  it("cancels a run parked in its durable sleep; it never wakes", async () => {
    const runId = await startDemo({ delayMs: 60_000 });
    await driveRun(runId, (snap) => snap.get("steps.simulate-delay.status") === "waiting");
    const cancelled = await postJson(api(`/runs/${runId}/cancel`), {}, as(admin));
    expect(cancelled).toMatchObject({ status: 200, body: { status: "cancelled" } });
    const again = await postJson(api(`/runs/${runId}/cancel`), {}, as(admin));
    expect(again).toMatchObject({ status: 409, body: { error: { code: "RUN_STATE_CONFLICT", message: expect.stringContaining("cancelled") } } });
    await fireSchedule("sweepRuns");
    expect(RunRecord.parse((await runRef(db, runId).get()).data())).toMatchObject({ status: "cancelled", wakeAt: null });
  });

  it("a run whose delivery never came is woken by the sweeper and completes", async () => {
    // Written as the API would, but never enqueued: a refused or lost delivery.
    const engine = createEngine({ db, pipelines: testPipelines(), enqueue: () => Promise.resolve(), invocationBudgetMs: 60_000, pickupGraceMs: 0 });
    const prepared = prepareRun(engine, { pipeline: "demo-task", projectId, payload: { delayMs: 0 } });
    if (prepared.kind !== "ready") throw new Error(prepared.kind);
    await prepared.ref.create(prepared.record);
    expect((await driveRun(prepared.ref.id)).status).toBe("completed");
  });
});

describe("the admin API refuses", () => {
  it.each([
    ["a caller who is not an admin of the project", () => postJson(api(`/projects/${projectId}/pipelines/demo-task/runs`), { payload: {} }, as(stranger)), 403, "PERMISSION_DENIED"],
    ["an unknown pipeline", () => postJson(api(`/projects/${projectId}/pipelines/no-such/runs`), { payload: {} }, as(admin)), 404, "PIPELINE_NOT_FOUND"],
    ["a payload the pipeline's schema refuses, naming the field", () => postJson(api(`/projects/${projectId}/pipelines/demo-task/runs`), { payload: { failAtStep: "nope" } }, as(admin)), 400, "INVALID_REQUEST"],
    ["a payload string Firestore cannot store (a lone surrogate)", () => postJson(api(`/projects/${projectId}/pipelines/demo-task/runs`), { payload: { taskId: "t\ud800" } }, as(admin)), 400, "INVALID_REQUEST"],
    ["a correlation id Firestore cannot store", () => postJson(api(`/projects/${projectId}/pipelines/demo-task/runs`), { payload: {}, correlationId: "\udc00" }, as(admin)), 400, "INVALID_REQUEST"],
    ["a pipeline with its own trigger (the transform: its payload names a session)", () => postJson(api(`/projects/${projectId}/pipelines/transform/runs`), { payload: { projectId: "other", sessionId: "s", experienceId: "e", stepId: "x", transform: { nodes: [{ id: "n", type: "stub" }] }, sessionInputs: {} } }, as(admin)), 404, "PIPELINE_NOT_FOUND"],
    ["an unknown run", () => postJson(api("/runs/no-such-run"), null, as(admin), "GET"), 404, "RUN_NOT_FOUND"],
    ["a malformed run id", () => postJson(api("/runs/__x__/retry"), {}, as(admin)), 400, "INVALID_REQUEST"],
    ["no ID token", () => postJson(api("/runs/x"), null, {}, "GET"), 401, "UNAUTHENTICATED"],
  ])("%s", async (_, send, status, code) => {
    const res = await send();
    expect(res.status).toBe(status);
    expect(res.body.error.code).toBe(code);
    if (code === "INVALID_REQUEST") expect(res.body.error.message).toMatch(/^(payload\.failAtStep|payload\.taskId|correlationId|runId): /);
  });

  it("retry of a failed transform job: its guest starts again instead", async () => {
    const engine = createEngine({ db, pipelines: testPipelines(), enqueue: () => Promise.resolve(), invocationBudgetMs: 60_000, pickupGraceMs: 0 });
    const payload = { projectId, sessionId: "s", experienceId: "e", stepId: "x", transform: { nodes: [{ id: "n", type: "stub" }] }, sessionInputs: {} };
    const prepared = prepareRun(engine, { pipeline: "transform", projectId, payload });
    if (prepared.kind !== "ready") throw new Error(prepared.kind);
    await prepared.ref.create({ ...prepared.record, status: "failed", wakeAt: null });
    expect(await postJson(api(`/runs/${prepared.ref.id}/retry`), {}, as(admin))).toMatchObject({ status: 409, body: { error: { code: "RUN_STATE_CONFLICT" } } });
    expect((await prepared.ref.get()).get("status")).toBe("failed");
  });

  it("another project's admin, and retry of a run that did not fail", async () => {
    const runId = await startDemo({ delayMs: 0 });
    await driveRun(runId);
    expect((await postJson(api(`/runs/${runId}`), null, as(stranger), "GET")).status).toBe(403);
    expect(await postJson(api(`/runs/${runId}/retry`), {}, as(admin))).toMatchObject({ status: 409, body: { error: { code: "RUN_STATE_CONFLICT" } } });
  });
});
