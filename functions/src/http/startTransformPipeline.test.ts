import { Job } from "@clementine/shared";
import { beforeAll, describe, expect, it } from "vitest";
import { db } from "../lib/firebase.js";
import { experienceRef, jobRef, jobsCollection, sessionRef } from "../lib/refs.js";
import { isEnded, nodes, postJson, seedSession, signUpAnonymously, startPipeline, functionUrl, watchDoc, type Guest } from "../test/emulators.js";

let guest: Guest;
let other: Guest;

beforeAll(async () => {
  [guest, other] = await Promise.all([signUpAnonymously(), signUpAnonymously()]);
  // Warm up two workers (the emulator runs one process per request in flight),
  // so the racing requests below both meet a ready process.
  await Promise.all([1, 2].map(() => postJson(functionUrl("startTransformPipeline"), null, {}, "GET")));
});

const leaksNothing = (message: string) => expect(message).not.toMatch(/\bat \S+ \(|\/[\w-]+\/[\w.-]+|Error:|firestore|undefined is/i);

describe("startTransformPipeline rejects", () => {
  it.each([
    ["GET", 405, "METHOD_NOT_ALLOWED"],
    ["PUT", 405, "METHOD_NOT_ALLOWED"],
  ])("%s with %i %s", async (method, status, code) => {
    const res = await postJson(functionUrl("startTransformPipeline"), {}, { authorization: `Bearer ${guest.idToken}` }, method);
    expect(res.status).toBe(status);
    expect(res.body.error.code).toBe(code);
    expect(res.headers.allow).toBe("POST");
  });

  it.each([
    ["no Authorization header", undefined],
    ["a malformed token", "not-a-jwt"],
  ])("a request with %s with 401 UNAUTHENTICATED", async (_, token) => {
    const { projectId, sessionId } = await seedSession({ guestUid: guest.uid });
    const res = await startPipeline({ projectId, sessionId, stepId: "step-1" }, token);
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe("UNAUTHENTICATED");
    leaksNothing(res.body.error.message);
    expect((await sessionRef(db, projectId, sessionId).get()).get("jobId")).toBeNull();
  });

  it.each([
    ["a missing sessionId", { projectId: "p", stepId: "s" }, /sessionId/],
    ["a numeric projectId", { projectId: 42, sessionId: "x", stepId: "s" }, /projectId/],
    ["an empty stepId", { projectId: "p", sessionId: "x", stepId: "" }, /stepId/],
    ["a path in sessionId", { projectId: "p", sessionId: "a/b", stepId: "s" }, /sessionId.*'\/'/],
    ["an unknown field", { projectId: "p", sessionId: "x", stepId: "s", admin: true }, /admin/],
  ])("a body with %s with 400 INVALID_REQUEST naming the field", async (_, body, field) => {
    const res = await startPipeline(body, guest.idToken);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("INVALID_REQUEST");
    expect(res.body.error.message).toMatch(field);
  });

  it("a body that is not JSON with 415 UNSUPPORTED_MEDIA_TYPE", async () => {
    const res = await fetch(functionUrl("startTransformPipeline"), {
      method: "POST",
      headers: { authorization: `Bearer ${guest.idToken}`, "content-type": "text/plain" },
      body: "projectId=p",
    });
    expect(res.status).toBe(415);
    expect(await res.json()).toEqual({ error: { code: "UNSUPPORTED_MEDIA_TYPE", message: expect.stringMatching(/application\/json/) } });
  });

  it("a JSON body that is not an object with 400 INVALID_REQUEST", async () => {
    const res = await startPipeline([{ projectId: "p", sessionId: "x", stepId: "s" }], guest.idToken);
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: { code: "INVALID_REQUEST", message: "body: must be a JSON object" } });
  });

  it("a path below the endpoint with 404 NOT_FOUND", async () => {
    const res = await postJson(`${functionUrl("startTransformPipeline")}/admin`, {}, { authorization: `Bearer ${guest.idToken}` });
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe("NOT_FOUND");
  });

  it("another guest's session with 403 PERMISSION_DENIED and writes nothing", async () => {
    const { projectId, sessionId } = await seedSession({ guestUid: guest.uid });
    const res = await startPipeline({ projectId, sessionId, stepId: "step-1" }, other.idToken);
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe("PERMISSION_DENIED");
    expect((await jobsCollection(db, projectId).get()).size).toBe(0);
  });

  it("an unknown session with 404 SESSION_NOT_FOUND", async () => {
    const res = await startPipeline({ projectId: "no-such-project", sessionId: "nope", stepId: "step-1" }, guest.idToken);
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe("SESSION_NOT_FOUND");
  });

  it.each([
    ["has no transform", null],
    ["has a transform with no nodes", []],
  ])("an experience that %s with 404 TRANSFORM_NOT_FOUND", async (_, transformNodes) => {
    const { projectId, sessionId } = await seedSession({ guestUid: guest.uid, nodes: transformNodes });
    const res = await startPipeline({ projectId, sessionId, stepId: "step-1" }, guest.idToken);
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe("TRANSFORM_NOT_FOUND");
    expect((await jobsCollection(db, projectId).get()).size).toBe(0);
    expect((await sessionRef(db, projectId, sessionId).get()).get("jobStatus")).toBeNull();
  });

  it("a session whose experience was deleted with 404 TRANSFORM_NOT_FOUND", async () => {
    const { projectId, sessionId, experienceId } = await seedSession({ guestUid: guest.uid });
    await experienceRef(db, projectId, experienceId).delete();
    const res = await startPipeline({ projectId, sessionId, stepId: "step-1" }, guest.idToken);
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe("TRANSFORM_NOT_FOUND");
  });

  it("a malformed transform with 422 TRANSFORM_INVALID and a safe message", async () => {
    const { projectId, sessionId, experienceId } = await seedSession({ guestUid: guest.uid });
    await experienceRef(db, projectId, experienceId).update({ "transform.nodes": [{ id: "a" }] });
    const res = await startPipeline({ projectId, sessionId, stepId: "step-1" }, guest.idToken);
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe("TRANSFORM_INVALID");
    leaksNothing(res.body.error.message);
  });
});

describe("startTransformPipeline accepts", () => {
  it("a valid request: 202 with a jobId, the job recorded and the session pointing at it", async () => {
    const { projectId, sessionId, experienceId } = await seedSession({ guestUid: guest.uid, nodes: nodes(3) });

    const res = await startPipeline({ projectId, sessionId, stepId: "step-7" }, guest.idToken);

    expect(res.status).toBe(202);
    expect(res.body).toEqual({ jobId: expect.any(String) });
    const jobId = res.body.jobId as string;
    const job = Job.parse((await jobRef(db, projectId, jobId).get()).data());
    expect(job).toMatchObject({
      projectId,
      sessionId,
      experienceId,
      stepId: "step-7",
      input: { transform: { nodes: nodes(3) }, sessionInputs: { capture: { photo: "gs://demo/photo.jpg" } } },
    });
    expect((await sessionRef(db, projectId, sessionId).get()).get("jobId")).toBe(jobId);
    // Its task was enqueued: the job runs to the end without anyone else's help.
    await watchDoc(jobRef(db, projectId, jobId), isEnded);
    expect((await jobRef(db, projectId, jobId).get()).get("status")).toBe("completed");
  });

  it("exactly one of two racing starts for one session; the other gets 409 JOB_IN_PROGRESS with the job's id", async () => {
    // A job that outlasts any scheduling delay between the two requests (it times out after 4 s).
    const { projectId, sessionId } = await seedSession({ guestUid: guest.uid, nodes: nodes(1, { delayMs: 60_000 }) });
    const body = { projectId, sessionId, stepId: "step-1" };

    const replies = await Promise.all([startPipeline(body, guest.idToken), startPipeline(body, guest.idToken)]);

    expect(replies.map((r) => r.status).sort()).toEqual([202, 409]);
    const jobId = replies.find((r) => r.status === 202)?.body.jobId as string;
    expect(replies.find((r) => r.status === 409)?.body).toEqual({ error: { code: "JOB_IN_PROGRESS", message: expect.any(String) }, jobId });
    expect((await jobsCollection(db, projectId).get()).docs.map((d) => d.id)).toEqual([jobId]);
  });
});

describe("one job per session", () => {
  it("a start after the job completed answers 409 JOB_COMPLETED with that job's id, and starts nothing", async () => {
    const { projectId, sessionId } = await seedSession({ guestUid: guest.uid, nodes: nodes(2) });
    const body = { projectId, sessionId, stepId: "step-1" };
    const first = await startPipeline(body, guest.idToken);
    expect(first.status).toBe(202);
    await watchDoc(sessionRef(db, projectId, sessionId), isEnded);

    const again = await startPipeline(body, guest.idToken);

    expect(again).toMatchObject({ status: 409, body: { error: { code: "JOB_COMPLETED" }, jobId: first.body.jobId } });
    expect((await jobsCollection(db, projectId).get()).size).toBe(1);
  });

  it("a session whose job failed may start again: a new job, and the session points to it", async () => {
    const { projectId, sessionId, experienceId } = await seedSession({ guestUid: guest.uid, nodes: nodes(1, { fail: "error" }) });
    const body = { projectId, sessionId, stepId: "step-1" };
    const first = await startPipeline(body, guest.idToken);
    await watchDoc(sessionRef(db, projectId, sessionId), isEnded);
    expect((await sessionRef(db, projectId, sessionId).get()).get("jobStatus")).toBe("failed");
    await experienceRef(db, projectId, experienceId).update({ "transform.nodes": nodes(1) });

    const second = await startPipeline(body, guest.idToken);

    expect(second.status).toBe(202);
    expect(second.body.jobId).not.toBe(first.body.jobId);
    await watchDoc(sessionRef(db, projectId, sessionId), (snap) => snap.get("jobId") === second.body.jobId && isEnded(snap));
    expect((await jobRef(db, projectId, second.body.jobId).get()).get("status")).toBe("completed");
  });
});

describe("Idempotency-Key", () => {
  it("the same key returns the first answer; another key gets the session's own answer", async () => {
    const { projectId, sessionId } = await seedSession({ guestUid: guest.uid, nodes: nodes(1) });
    const body = { projectId, sessionId, stepId: "step-1" };
    const withKey = (key: string) => postJson(functionUrl("startTransformPipeline"), body, { authorization: `Bearer ${guest.idToken}`, "idempotency-key": key });

    // Two at once with one key (a client retrying too early): one job, and both answers name it.
    const [first, racing] = await Promise.all([withKey("attempt-1"), withKey("attempt-1")]);
    await watchDoc(sessionRef(db, projectId, sessionId), isEnded);
    const replay = await withKey("attempt-1");
    const fresh = await withKey("attempt-2");

    expect(first).toMatchObject({ status: 202, body: { jobId: expect.any(String) } });
    expect(racing).toMatchObject({ status: 202, body: first.body });
    expect(replay).toMatchObject({ status: 202, body: first.body });
    expect(fresh).toMatchObject({ status: 409, body: { error: { code: "JOB_COMPLETED" }, jobId: first.body.jobId } });
    expect((await jobsCollection(db, projectId).get()).size).toBe(1);
  });

  it("a key that started a job does not start or replay another session's: 422 IDEMPOTENCY_KEY_REUSED", async () => {
    const [a, b] = await Promise.all([seedSession({ guestUid: guest.uid, nodes: nodes(1) }), seedSession({ guestUid: guest.uid, nodes: nodes(1) })]);
    const headers = { authorization: `Bearer ${guest.idToken}`, "idempotency-key": `k-${a.sessionId}` };
    expect((await postJson(functionUrl("startTransformPipeline"), { projectId: a.projectId, sessionId: a.sessionId, stepId: "s" }, headers)).status).toBe(202);
    const reused = await postJson(functionUrl("startTransformPipeline"), { projectId: b.projectId, sessionId: b.sessionId, stepId: "s" }, headers);
    expect(reused).toMatchObject({ status: 422, body: { error: { code: "IDEMPOTENCY_KEY_REUSED" } } });
    expect((await jobsCollection(db, b.projectId).get()).size).toBe(0);
  });

  it("a malformed key is 400 INVALID_REQUEST naming the header", async () => {
    const { projectId, sessionId } = await seedSession({ guestUid: guest.uid });
    const res = await postJson(functionUrl("startTransformPipeline"), { projectId, sessionId, stepId: "s" }, { authorization: `Bearer ${guest.idToken}`, "idempotency-key": "has spaces in it" });
    expect(res).toMatchObject({ status: 400, body: { error: { code: "INVALID_REQUEST", message: expect.stringMatching(/^Idempotency-Key: /) } } });
    expect((await jobsCollection(db, projectId).get()).size).toBe(0);
  });
});
