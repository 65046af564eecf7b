import { Job, RunRecord, Session } from "@clementine/shared";
import { beforeAll, describe, expect, it } from "vitest";
import { CLIENT_MESSAGES } from "../core/jobErrors.js";
import { sessionView } from "../core/sessionView.js";
import { executeRun } from "../engine/executeRun.js";
import { runRef } from "../engine/refs.js";
import { db } from "../lib/firebase.js";
import { createJob } from "../lib/jobs/createJob.js";
import { jobRef, sessionRef } from "../lib/refs.js";
import { deliverTask, isEnded, nodes, seedSession, signUpAnonymously, startPipeline, testEngine, watchDoc, type Guest } from "../test/emulators.js";

// The transform pipeline on the engine, end to end: the start endpoint, the
// Tasks emulator and the engine's task function in the functions emulator.
let guest: Guest;
beforeAll(async () => {
  guest = await signUpAnonymously();
  await deliverTask({ runId: "warm-up" });
});

async function runToEnd(transformNodes = nodes(3)) {
  const { projectId, sessionId } = await seedSession({ guestUid: guest.uid, nodes: transformNodes });
  const session = sessionRef(db, projectId, sessionId);
  const abandon = new AbortController();
  const watching = watchDoc(session, isEnded, 20_000, abandon.signal);
  const res = await startPipeline({ projectId, sessionId, stepId: "step-1" }, guest.idToken);
  if (res.status !== 202) abandon.abort(new Error(`start answered ${res.status}: ${JSON.stringify(res.body)}`));
  const snapshots = await watching;
  const jobSnap = await jobRef(db, projectId, res.body.jobId).get();
  const sessionSnap = await session.get();
  return { projectId, sessionId, jobId: res.body.jobId as string, snapshots, jobSnap, sessionSnap, job: Job.parse(jobSnap.data()) };
}

/** A pending job, its run and its session, created but never enqueued: the test delivers the wake-up call itself. */
async function pendingJob(transformNodes = nodes(2)) {
  const { projectId, sessionId } = await seedSession({ guestUid: guest.uid, nodes: transformNodes });
  const created = await createJob(db, testEngine().engine, { projectId, sessionId, stepId: "step-1", callerUid: guest.uid });
  if (created.kind !== "created") throw new Error(`seed failed: ${created.kind}`);
  return { projectId, sessionId, jobId: created.jobId };
}

describe("the transform pipeline", () => {
  it("runs pending → running → completed in one delivery, reporting progress after each node, the session in step", async () => {
    const { snapshots, job, jobId, jobSnap, sessionSnap } = await runToEnd(nodes(4, { delayMs: 300 }));

    expect(job.status).toBe("completed");
    expect(job.progress).toEqual({ currentNode: 4, totalNodes: 4, percentage: 100 });
    expect(job.output?.nodes.map((n) => n.nodeId)).toEqual(["node-1", "node-2", "node-3", "node-4"]);
    expect(job.error).toBeNull();
    expect(job.startedAt!.toMillis()).toBeGreaterThanOrEqual(job.createdAt.toMillis());
    expect(job.finishedAt!.toMillis()).toBeGreaterThanOrEqual(job.startedAt!.toMillis());
    // One commit per change: create, lease, then one per node, the last carrying the completion.
    expect(job.revision).toBe(6);
    const run = RunRecord.parse((await runRef(db, jobId).get()).data());
    expect(run).toMatchObject({ pipeline: "transform", status: "completed", commits: 6, correlationId: job.sessionId });

    const statuses = snapshots.map((s) => s.get("jobStatus")).filter((s, i, all) => s !== all[i - 1]);
    expect(statuses.at(-1)).toBe("completed");
    expect(statuses).toContain("running");
    expect(["pending", "running", "completed"]).toEqual(expect.arrayContaining(statuses.filter(Boolean)));
    const progressSeen = snapshots.filter((s) => s.get("jobStatus") === "running").map((s) => s.get("jobProgress.currentNode"));
    expect(progressSeen).toEqual([...progressSeen].sort());
    expect(new Set(progressSeen)).toEqual(new Set([0, 1, 2, 3]));

    // The session is never behind the job: same commit, same update time, same view.
    expect(sessionSnap.updateTime!.isEqual(jobSnap.updateTime!)).toBe(true);
    expect(Session.parse(sessionSnap.data())).toMatchObject(sessionView(jobId, job));
  });

  it("records a failing node as NODE_FAILED at once (no node retries): full detail for admins, a safe message for the guest", async () => {
    const failing = [{ id: "first", type: "stub" }, { id: "explode", type: "stub", config: { simulate: { fail: "error" as const } } }, { id: "never-run", type: "stub" }];
    const { job, jobId, sessionSnap } = await runToEnd(failing);

    expect(job.status).toBe("failed");
    expect(job.error).toMatchObject({ code: "NODE_FAILED", nodeId: "explode", message: CLIENT_MESSAGES.NODE_FAILED });
    expect(job.error?.detail).toMatch(/simulated failure in node explode[\s\S]*at /);
    expect(job.progress.currentNode).toBe(1);
    expect(job.output).toBeNull();
    expect(RunRecord.parse((await runRef(db, jobId).get()).data()).steps).toMatchObject({ explode: { status: "failed", attempts: 1 } });
    expect(sessionSnap.get("jobStatus")).toBe("failed");
    expect(sessionSnap.get("jobError")).toEqual({ code: "NODE_FAILED", message: CLIENT_MESSAGES.NODE_FAILED });
    expect(JSON.stringify(sessionSnap.data())).not.toMatch(/simulated|stack|\.ts|\.js|node_modules/);
  });

  it("fails a job that runs past TRANSFORM_JOB_TIMEOUT_SECONDS with TIMEOUT, naming the node (test project: 4 s)", async () => {
    const { job, sessionSnap } = await runToEnd([...nodes(1), { id: "slow", type: "stub", config: { simulate: { delayMs: 60_000 } } }]);

    expect(job.status).toBe("failed");
    expect(job.error).toMatchObject({ code: "TIMEOUT", nodeId: "slow", message: CLIENT_MESSAGES.TIMEOUT });
    expect(job.finishedAt!.toMillis() - job.startedAt!.toMillis()).toBeLessThan(30_000);
    expect(sessionSnap.get("jobError")).toEqual({ code: "TIMEOUT", message: CLIENT_MESSAGES.TIMEOUT });
  });

  it.each([2, 3])("runs a job once when its wake-up call is delivered %i times at once", async (deliveries) => {
    const { projectId, jobId } = await pendingJob(nodes(3, { delayMs: 200 }));

    const replies = await Promise.all(Array.from({ length: deliveries }, () => deliverTask({ runId: jobId })));

    expect(replies.map((r) => r.status)).toEqual(Array(deliveries).fill(204));
    const job = Job.parse((await jobRef(db, projectId, jobId).get()).data());
    expect(job.status).toBe("completed");
    expect(job.revision).toBe(5); // create, lease, 3 nodes: the other deliveries wrote nothing
    const run = RunRecord.parse((await runRef(db, jobId).get()).data());
    expect(Object.values(run.steps).map((s) => s.attempts)).toEqual([1, 1, 1]);
  });

  it("a session deleted mid-run: the job still completes and keeps its admin view up to date", async () => {
    const { projectId, sessionId, jobId } = await pendingJob(nodes(3));
    await sessionRef(db, projectId, sessionId).delete();

    expect(await executeRun(testEngine().engine, jobId)).toEqual({ kind: "completed" });

    expect(Job.parse((await jobRef(db, projectId, jobId).get()).data())).toMatchObject({ status: "completed", progress: { currentNode: 3, totalNodes: 3 } });
    expect((await sessionRef(db, projectId, sessionId).get()).exists).toBe(false); // not re-created
  });

  it("ignores a wake-up call redelivered after the job ended", async () => {
    const { projectId, jobId } = await pendingJob();
    await deliverTask({ runId: jobId });
    const before = await jobRef(db, projectId, jobId).get();
    expect(before.get("status")).toBe("completed");

    expect((await deliverTask({ runId: jobId })).status).toBe(204);

    const after = await jobRef(db, projectId, jobId).get();
    expect(after.updateTime!.isEqual(before.updateTime!)).toBe(true);
  });

  it.each([
    ["a malformed payload", { runId: 42 }],
    ["an unknown run", { runId: "nope" }],
  ])("acknowledges %s (a 2xx, so Cloud Tasks does not retry it forever)", async (_, data) => {
    expect((await deliverTask(data)).status).toBe(204);
  });
});
