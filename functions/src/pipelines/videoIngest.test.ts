import { RunEvent, RunRecord } from "@clementine/shared";
import type { DocumentSnapshot } from "firebase-admin/firestore";
import { beforeAll, describe, expect, it } from "vitest";
import { eventsCollection, runRef } from "../engine/refs.js";
import { db } from "../lib/firebase.js";
import { publishToEmulator } from "@clementine/tools/pubsubEmulator";
import { driveUntil, functionUrl, postJson, signUpAnonymously, uniqueId, watchDoc, type Guest } from "../test/emulators.js";
import { DETECTOR_TOPIC } from "../pubsub/detectorEvents.js";
import { scanCard, videoRunId } from "./videoIngest.js";

// The video ingest pipeline end to end: a detector event POSTed to the admin
// API, the Tasks emulator, the engine in the functions emulator.
let admin: Guest;
let stranger: Guest;
const projectId = uniqueId("video");
const api = (path: string) => `${functionUrl("api")}${path}`;
const as = (user: Guest) => ({ authorization: `Bearer ${user.idToken}` });
const ended = (snap: DocumentSnapshot) => ["completed", "failed", "cancelled"].includes(snap.get("status"));

beforeAll(async () => {
  [admin, stranger] = await Promise.all([signUpAnonymously(), signUpAnonymously()]);
  await db.doc(`projects/${projectId}/members/${admin.uid}`).set({ role: "admin" });
  await postJson(api("/pipeline/warm-up"), null, as(admin), "GET");
});

const detector = (messageId: string, sdPath: string, extra: Record<string, unknown> = {}) =>
  postJson(api(`/projects/${projectId}/detector-events`), { type: "detector:sd_inserted", message_id: messageId, sd_path: sdPath, ...extra }, as(admin));

async function finished(executionId: string, until = ended) {
  return RunRecord.parse((await driveUntil(runRef(db, executionId), until, 40_000)).data());
}

const eventsOf = async (executionId: string) => (await eventsCollection(runRef(db, executionId)).orderBy("seq").get()).docs.map((d) => RunEvent.parse(d.data()));

describe("a detector:sd_inserted event over HTTP", () => {
  it("starts one execution: scan_sd, then create_job and copy_files in parallel, their outputs merged", async () => {
    const messageId = uniqueId("msg");
    const res = await detector(messageId, "/media/cam-a");
    expect(res).toMatchObject({ status: 202, body: { executionId: videoRunId(projectId, messageId), messageId, status: "pending", created: true } });

    const run = await finished(res.body.executionId as string);

    expect(run).toMatchObject({ pipeline: "video-ingest", status: "completed", correlationId: messageId, progress: { percentage: 100 } });
    const card = scanCard("/media/cam-a");
    expect(run.executionData).toMatchObject({ messageId, sdPath: "/media/cam-a", mediaFiles: card.mediaFiles, clipCount: card.mediaFiles.length, copiedFiles: expect.any(Array), jobId: expect.stringMatching(/^job-/) });
    // Each parallel step received the scan it depends on, and they overlapped in time.
    const [job, copy] = [run.steps.create_job!, run.steps.copy_files!];
    expect(job.startedAt!.toMillis()).toBeGreaterThanOrEqual(run.steps.scan_sd!.finishedAt!.toMillis());
    expect(job.startedAt!.toMillis() < copy.finishedAt!.toMillis() && copy.startedAt!.toMillis() < job.finishedAt!.toMillis()).toBe(true);
    expect(copy.progress).toEqual({ done: expect.any(Number), total: card.mediaFiles.length });

    const events = await eventsOf(res.body.executionId as string);
    const names = events.map((e) => e.type);
    expect(names[0]).toBe("pipeline:started");
    expect(names.at(-1)).toBe("pipeline:completed");
    const completed = events.filter((e) => e.type === "pipeline:step_completed");
    expect(completed.map((e) => e.step).sort()).toEqual(["copy_files", "create_job", "scan_sd"]);
    expect(completed[0]!.step).toBe("scan_sd");
    expect(completed.map((e) => e.progress!.percentage)).toEqual([33, 66, 100]);
    expect(events.every((e) => e.runId === res.body.executionId)).toBe(true);
  });

  it("a resent message, and two racing ones, start nothing new: the answer names the existing execution", async () => {
    const messageId = uniqueId("msg");
    const racing = await Promise.all([detector(messageId, "/media/cam-b"), detector(messageId, "/media/cam-b"), detector(messageId, "/media/cam-b")]);
    expect(racing.map((r) => r.status).sort()).toEqual([200, 200, 202]);
    expect(new Set(racing.map((r) => r.body.executionId)).size).toBe(1);
    await finished(racing[0].body.executionId);
    const resent = await detector(messageId, "/media/cam-b");
    expect(resent).toMatchObject({ status: 200, body: { executionId: racing[0].body.executionId, status: "completed", created: false } });
    const runs = await db.collection("runs").where("projectId", "==", projectId).where("correlationId", "==", messageId).get();
    expect(runs.size).toBe(1);
  });

  it("a failing step fails the execution naming it; retry resumes from that step only", async () => {
    const messageId = uniqueId("msg");
    const res = await detector(messageId, "/media/cam-c", { simulate: { failStep: "copy_files" } });
    const executionId = res.body.executionId as string;
    const failed = await finished(executionId);
    expect(failed).toMatchObject({ status: "failed", error: { code: "STEP_FAILED", step: "copy_files" } });
    expect(failed.steps).toMatchObject({ scan_sd: { status: "completed", attempts: 1 }, create_job: { status: "completed", attempts: 1 }, copy_files: { status: "failed", attempts: 3 } });
    const events = (await eventsOf(executionId)).map((e) => e.type);
    expect(events.at(-1)).toBe("pipeline:failed");
    expect(events.indexOf("pipeline:started")).toBe(0);

    const status = await postJson(api(`/pipeline/${executionId}`), null, as(admin), "GET");
    expect(status).toMatchObject({ status: 200, body: { status: "failed", steps: { copy_files: { status: "failed" } }, executionData: { clipCount: expect.any(Number) } } });

    expect(await postJson(api(`/pipeline/${executionId}/retry`), {}, as(admin))).toMatchObject({ status: 200, body: { status: "pending" } });
    const again = await finished(executionId, (snap) => ended(snap) && (snap.get("steps.copy_files.attempts") as number) === 3 && snap.get("eventCount") > events.length + 1);
    // The simulated failure is still there, so it fails again: but only copy_files ran.
    expect(again.steps).toMatchObject({ scan_sd: { attempts: 1 }, create_job: { attempts: 1 }, copy_files: { status: "failed", attempts: 3 } });
    expect(again.steps.scan_sd!.finishedAt!.toMillis()).toBe(failed.steps.scan_sd!.finishedAt!.toMillis());
    expect(await postJson(api(`/pipeline/${executionId}/retry`), {}, as(stranger))).toMatchObject({ status: 403 });
  });

  it("is found by its message id, cancelled, and refused to others", async () => {
    const messageId = uniqueId("msg");
    const res = await detector(messageId, "/media/cam-d", { simulate: { fileDelayMs: 5000 } });
    const executionId = res.body.executionId as string;
    const byMessage = await postJson(api(`/projects/${projectId}/pipeline/by-message/${messageId}`), null, as(admin), "GET");
    expect(byMessage).toMatchObject({ status: 200, body: { runId: executionId, correlationId: messageId } });
    expect(await postJson(api(`/pipeline/${executionId}/cancel`), {}, as(admin))).toMatchObject({ status: 200, body: { status: "cancelled" } });
    expect((await finished(executionId)).status).toBe("cancelled");
    expect(await postJson(api(`/pipeline/${executionId}/cancel`), {}, as(admin))).toMatchObject({ status: 409, body: { error: { code: "RUN_STATE_CONFLICT" } } });
    expect(await postJson(api(`/pipeline/${executionId}`), null, as(stranger), "GET")).toMatchObject({ status: 403 });
    expect(await postJson(api(`/projects/${projectId}/pipeline/by-message/no-such-message`), null, as(admin), "GET")).toMatchObject({ status: 404, body: { error: { code: "RUN_NOT_FOUND" } } });
  });

  it.each([
    ["no sd_path", { type: "detector:sd_inserted", message_id: "m1" }, /^sd_path: /],
    ["a relative sd_path", { type: "detector:sd_inserted", message_id: "m1", sd_path: "media/x" }, /^sd_path: must be an absolute path/],
    ["no message_id", { type: "detector:sd_inserted", sd_path: "/media/x" }, /^message_id: /],
    ["another event type", { type: "detector:sd_removed", message_id: "m1", sd_path: "/media/x" }, /^type: /],
  ])("with %s is a 400 naming the field, and starts nothing", async (_, body, message) => {
    const res = await postJson(api(`/projects/${projectId}/detector-events`), body, as(admin));
    expect(res).toMatchObject({ status: 400, body: { error: { code: "INVALID_REQUEST", message: expect.stringMatching(message) } } });
  });

  it("from someone who is not an admin of the project is a 403", async () => {
    const res = await postJson(api(`/projects/${projectId}/detector-events`), { type: "detector:sd_inserted", message_id: "m2", sd_path: "/media/x" }, as(stranger));
    expect(res.status).toBe(403);
    expect((await runRef(db, videoRunId(projectId, "m2")).get()).exists).toBe(false);
  });
});

// ---- the Pub/Sub trigger ------------------------------------------------------------

const publish = async (data: string) => (await publishToEmulator(DETECTOR_TOPIC, [data]))[0]!;

describe("a detector:sd_inserted message on Pub/Sub", () => {
  it("starts the same execution; the message delivered twice (or resent) starts one", async () => {
    const messageId = uniqueId("msg");
    const message = JSON.stringify({ type: "detector:sd_inserted", message_id: messageId, sd_path: "/media/cam-p", project_id: projectId });
    await Promise.all([publish(message), publish(message)]);
    const executionId = videoRunId(projectId, messageId);
    const run = await finished(executionId);
    expect(run).toMatchObject({ pipeline: "video-ingest", status: "completed", correlationId: messageId, executionData: { sdPath: "/media/cam-p" } });
    await publish(message);
    const runs = await db.collection("runs").where("projectId", "==", projectId).where("correlationId", "==", messageId).get();
    expect(runs.docs.map((d) => d.id)).toEqual([executionId]);
  });

  it("racing the same message over HTTP: one execution", async () => {
    const messageId = uniqueId("msg");
    const [, http] = await Promise.all([
      publish(JSON.stringify({ type: "detector:sd_inserted", message_id: messageId, sd_path: "/media/cam-r", project_id: projectId })),
      detector(messageId, "/media/cam-r"),
    ]);
    expect(http.body.executionId).toBe(videoRunId(projectId, messageId));
    await finished(videoRunId(projectId, messageId));
    const runs = await db.collection("runs").where("projectId", "==", projectId).where("correlationId", "==", messageId).get();
    expect(runs.size).toBe(1);
  });

  it.each([
    ["not JSON", "sd card!", /^body: must be a JSON object/],
    ["a missing sd_path", JSON.stringify({ type: "detector:sd_inserted", message_id: "m-bad", project_id: "p" }), /^sd_path: /],
    ["no project", JSON.stringify({ type: "detector:sd_inserted", message_id: "m-bad", sd_path: "/media/x" }), /^project_id: /],
  ])("%s is acknowledged as a dead letter naming the reason, and starts nothing", async (_, data, reason) => {
    const pubsubId = await publish(data);
    const letter = await watchDoc(db.doc(`deadLetters/pubsub-${pubsubId}`), (snap) => snap.exists, 20_000);
    expect(letter.at(-1)!.data()).toMatchObject({ source: "pubsub:detector-events", reason: expect.stringMatching(reason), data });
  });
});

