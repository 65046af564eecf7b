import { Job, RunRecord } from "@clementine/shared";
import { beforeAll, describe, expect, it } from "vitest";
import { createEngine, type EnqueueRun } from "../engine/engine.js";
import { runRef } from "../engine/refs.js";
import { auth, db } from "../lib/firebase.js";
import { jobRef, jobsCollection, sessionRef } from "../lib/refs.js";
import { driveUntil, isEnded, seedSession, signUpAnonymously, testPipelines, type Guest } from "../test/emulators.js";
import { handleRequest, type HttpRequest } from "./layer/handleRequest.js";
import { startTransformPipelineRoute } from "./startTransformPipelineRoute.js";

// In-process, against the Firestore and Auth emulators, with a fault injected
// at one named point: the enqueue. The run is then picked up by the deployed
// sweeper in the functions emulator, as it would be in production.
let guest: Guest;
beforeAll(async () => {
  guest = await signUpAnonymously();
});

/** Runs a start request through the HTTP layer in this process, with `enqueue` standing in for Cloud Tasks. */
const startWith = (enqueue: EnqueueRun, request: HttpRequest) => {
  const engine = createEngine({ db, pipelines: testPipelines(), enqueue, invocationBudgetMs: 60_000, pickupGraceMs: 2_000 });
  return handleRequest([startTransformPipelineRoute({ db, engine: () => engine })], request, {
    verifyIdToken: async (token) => (await auth.verifyIdToken(token)).uid,
  });
};

const startRequest = (idToken: string, body: Record<string, string>): HttpRequest => ({
  method: "POST",
  path: "/",
  header: (name) => ({ authorization: `Bearer ${idToken}`, "content-type": "application/json" })[name.toLowerCase()],
  body,
  bodyBytes: JSON.stringify(body).length,
});

describe("when Cloud Tasks is down", () => {
  it("still answers 202 (the job is accepted once committed) and the sweeper runs it to completion", async () => {
    const { projectId, sessionId } = await seedSession({ guestUid: guest.uid });
    const unavailable: EnqueueRun = () => Promise.reject(Object.assign(new Error("14 UNAVAILABLE: connect ECONNREFUSED 10.0.0.1:443"), { code: 14 }));

    const reply = await startWith(unavailable, startRequest(guest.idToken, { projectId, sessionId, stepId: "s" }));

    expect(reply.status).toBe(202);
    const jobId = (reply.body as { jobId: string }).jobId;
    expect((await jobsCollection(db, projectId).get()).docs.map((d) => d.id)).toEqual([jobId]);
    expect(RunRecord.parse((await runRef(db, jobId).get()).data())).toMatchObject({ status: "pending", lease: null });
    expect((await sessionRef(db, projectId, sessionId).get()).data()).toMatchObject({ jobId, jobStatus: "pending" });

    // No wake-up call was sent: the sweeper finds the run once its pickup grace has passed.
    await driveUntil(sessionRef(db, projectId, sessionId), isEnded);
    expect(Job.parse((await jobRef(db, projectId, jobId).get()).data())).toMatchObject({ status: "completed", error: null });
  });
});
