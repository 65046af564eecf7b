import { RunRecord } from "@clementine/shared";
import type { DocumentSnapshot } from "firebase-admin/firestore";
import { beforeAll, describe, expect, it } from "vitest";
import { runRef } from "../engine/refs.js";
import { db } from "../lib/firebase.js";
import { driveUntil, functionUrl, postJson, signUpAnonymously, uniqueId, type Guest } from "../test/emulators.js";

// The queue controls through the admin API, end to end: the functions and
// Tasks emulators run the demo task.

let admin: Guest;
let stranger: Guest;
const projectId = uniqueId("proj-queue");
const api = (path: string) => `${functionUrl("api")}${path}`;
const as = (user: Guest) => ({ authorization: `Bearer ${user.idToken}` });
const get = (path: string, user = admin) => postJson(api(path), null, as(user), "GET");
const startDemo = (body: Record<string, unknown>) => postJson(api(`/projects/${projectId}/pipelines/demo-task/runs`), body, as(admin));
const ended = (snap: DocumentSnapshot) => ["completed", "failed", "cancelled"].includes(snap.get("status"));
const driveRun = async (runId: string) => RunRecord.parse((await driveUntil(runRef(db, runId), ended, 40_000)).data());

beforeAll(async () => {
  [admin, stranger] = await Promise.all([signUpAnonymously(), signUpAnonymously()]);
  await db.doc(`projects/${projectId}/members/${admin.uid}`).set({ role: "admin" });
});

describe("starting runs with queue options", () => {
  it("a second start with a live run's taskId returns that run; force starts another", async () => {
    const payload = { taskId: uniqueId("track"), delayMs: 1500 };
    const first = await startDemo({ payload });
    expect(first.status).toBe(202);
    expect(first.body).toEqual({ runId: expect.any(String), deduplicated: false });
    const again = await startDemo({ payload });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ runId: first.body.runId, deduplicated: true });
    const forced = await startDemo({ payload, force: true });
    expect(forced.status).toBe(202);
    expect(forced.body.runId).not.toBe(first.body.runId);
    await Promise.all([driveRun(first.body.runId), driveRun(forced.body.runId)]);

    const history = await get(`/projects/${projectId}/runs?dedupKey=${payload.taskId}`);
    expect(history.status).toBe(200);
    expect((history.body.runs as Array<{ runId: string }>).map((r) => r.runId)).toEqual([forced.body.runId, first.body.runId]);
  });

  it("a delayed start with a priority is stored as asked and starts no earlier", async () => {
    const before = Date.now();
    const res = await startDemo({ payload: { delayMs: 0 }, delayMs: 2000, priority: 7 });
    expect(res.status).toBe(202);
    const run = await driveRun(res.body.runId);
    expect(run).toMatchObject({ status: "completed", priority: 7 });
    expect(run.startAt!.toMillis()).toBeGreaterThanOrEqual(before + 2000);
    expect(run.startedAt!.toMillis()).toBeGreaterThanOrEqual(run.startAt!.toMillis());
  });

  it.each([
    [{ priority: 101 }, /^priority: /],
    [{ delayMs: -1 }, /^delayMs: /],
    [{ delayMs: 1, startAt: new Date().toISOString() }, /^startAt: give delayMs or startAt/],
    [{ force: "yes" }, /^force: /],
  ])("refuses %j with a 400 naming the field", async (options, message) => {
    const res = await startDemo({ payload: {}, ...options });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: "INVALID_REQUEST", message: expect.stringMatching(message) });
  });
});

describe("dead letters, replay and the history", () => {
  it("a run that failed for good is a dead letter with its reason; a replay runs its payload again as a new run", async () => {
    const res = await startDemo({ payload: { simulateFailure: true, failure: "permanent", failAtStep: "process", delayMs: 0 } });
    const failed = await driveRun(res.body.runId);
    expect(failed.status).toBe("failed");

    const letters = await get(`/projects/${projectId}/dead-letters?pipeline=demo-task`);
    expect(letters.status).toBe(200);
    expect(letters.body.runs).toContainEqual(
      expect.objectContaining({ runId: res.body.runId, status: "failed", error: expect.objectContaining({ code: "STEP_FAILED", step: "process", message: expect.any(String) }) }),
    );

    const replay = await postJson(api(`/runs/${res.body.runId}/replay`), {}, as(admin));
    expect(replay.status).toBe(202);
    const replayed = RunRecord.parse((await runRef(db, replay.body.runId).get()).data());
    expect(replayed).toMatchObject({ replayOf: res.body.runId, payload: failed.payload, pipeline: "demo-task" });
    expect(await driveRun(replay.body.runId)).toMatchObject({ status: "failed" }); // the same payload fails the same way

    const failedRuns = await get(`/projects/${projectId}/runs?pipeline=demo-task&status=failed&limit=1`);
    expect(failedRuns.body.runs).toHaveLength(1);
    expect(failedRuns.body.runs[0].runId).toBe(replay.body.runId);
    expect(failedRuns.body.next).toBe(replay.body.runId);
    const page2 = await get(`/projects/${projectId}/runs?pipeline=demo-task&status=failed&limit=1&after=${failedRuns.body.next}`);
    expect(page2.body.runs[0].runId).toBe(res.body.runId);
  });

  it("a live run cannot be replayed", async () => {
    const res = await startDemo({ payload: { delayMs: 20_000 } });
    const replay = await postJson(api(`/runs/${res.body.runId}/replay`), {}, as(admin));
    expect(replay.status).toBe(409);
    expect((await postJson(api(`/runs/${res.body.runId}/cancel`), {}, as(admin))).status).toBe(200);
  });

  it("the queue's counts match its runs", async () => {
    const stats = await get(`/projects/${projectId}/pipelines/demo-task/stats`);
    expect(stats.status).toBe(200);
    const counts = async (status: string) => (await db.collection("runs").where("projectId", "==", projectId).where("pipeline", "==", "demo-task").where("status", "==", status).get()).size;
    expect(stats.body).toEqual({ pipeline: "demo-task", waiting: await counts("pending"), running: await counts("running"), completed: await counts("completed"), failed: await counts("failed"), cancelled: await counts("cancelled") });
    expect(stats.body.completed).toBeGreaterThanOrEqual(3);
    expect(stats.body.failed).toBeGreaterThanOrEqual(2);
  });

  it("filters are checked, and only the project's admins see its runs", async () => {
    expect((await get(`/projects/${projectId}/runs?status=lost`)).body.error).toMatchObject({ code: "INVALID_REQUEST", message: expect.stringMatching(/^status: /) });
    expect((await get(`/projects/${projectId}/runs?limit=0`)).body.error.message).toMatch(/^limit: /);
    expect((await get(`/projects/${projectId}/runs`, stranger)).status).toBe(403);
    expect((await get(`/projects/${projectId}/dead-letters`, stranger)).status).toBe(403);
    expect((await get(`/projects/${projectId}/pipelines/demo-task/stats`, stranger)).status).toBe(403);
  });
});
