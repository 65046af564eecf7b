import { Job } from "@clementine/shared";
import { beforeAll, describe, expect, it } from "vitest";
import { CLIENT_MESSAGES } from "../core/jobErrors.js";
import { taskEnqueuer } from "../lib/enqueue.js";
import { auth, db, functions } from "../lib/firebase.js";
import { jobRef, jobsCollection, sessionRef } from "../lib/refs.js";
import { isEnded, seedSession, signUpAnonymously, watchDoc, type Guest } from "../test/emulators.js";
import { handleRequest, type HttpRequest } from "./layer/handleRequest.js";
import { startTransformPipelineRoute, type StartDeps } from "./startTransformPipelineRoute.js";

// In-process, against the Firestore, Auth and Tasks emulators, with a fault
// injected at one named point: the enqueue.
let guest: Guest;
beforeAll(async () => {
  guest = await signUpAnonymously();
});

/** Runs a start request through the HTTP layer in this process, with `enqueue` standing in for Cloud Tasks. */
const startWith = (enqueue: StartDeps["enqueue"], request: HttpRequest) =>
  handleRequest([startTransformPipelineRoute({ db, enqueue, timeoutSeconds: () => 60 })], request, {
    verifyIdToken: async (token) => (await auth.verifyIdToken(token)).uid,
  });

const startRequest = (idToken: string, body: Record<string, string>): HttpRequest => ({
  method: "POST",
  path: "/",
  header: (name) => ({ authorization: `Bearer ${idToken}`, "content-type": "application/json" })[name.toLowerCase()],
  body,
  bodyBytes: JSON.stringify(body).length,
});

describe("when enqueuing fails", () => {
  it("answers 500, fails the job with ENQUEUE_FAILED and frees the session for a retry", async () => {
    const { projectId, sessionId } = await seedSession({ guestUid: guest.uid });
    const request = startRequest(guest.idToken, { projectId, sessionId, stepId: "s" });
    const unavailable = () =>
      Promise.reject(Object.assign(new Error("14 UNAVAILABLE: connect ECONNREFUSED 10.0.0.1:443 at /srv/app/lib/x.js"), { code: 14 }));

    const reply = await startWith(unavailable, request);

    expect(reply.status).toBe(500);
    expect(reply.body).toEqual({ error: { code: "INTERNAL", message: expect.not.stringMatching(/UNAVAILABLE|ECONNREFUSED|\/srv/) } });
    const jobs = await jobsCollection(db, projectId).get();
    expect(jobs.size).toBe(1);
    const job = Job.parse(jobs.docs[0]!.data());
    expect(job.status).toBe("failed");
    expect(job.error).toMatchObject({ code: "ENQUEUE_FAILED", message: CLIENT_MESSAGES.ENQUEUE_FAILED });
    expect(job.error?.detail).toMatch(/ECONNREFUSED/);
    const session = (await sessionRef(db, projectId, sessionId).get()).data();
    expect(session).toMatchObject({ jobId: jobs.docs[0]!.id, jobStatus: "failed", jobError: { code: "ENQUEUE_FAILED", message: CLIENT_MESSAGES.ENQUEUE_FAILED } });

    // Nothing is stuck: the guest can try again, and this time the job runs.
    const retry = await startWith(taskEnqueuer(functions), request);
    expect(retry.status).toBe(202);
    const jobId = (retry.body as { jobId: string }).jobId;
    await watchDoc(jobRef(db, projectId, jobId), isEnded);
    expect((await jobRef(db, projectId, jobId).get()).get("status")).toBe("completed");
  });

  it("answers 202 when the enqueue call failed after the task got through and the job started", async () => {
    const { projectId, sessionId } = await seedSession({ guestUid: guest.uid });
    const enqueue = taskEnqueuer(functions);
    const replyLost: StartDeps["enqueue"] = async (task, timeoutSeconds) => {
      await enqueue(task, timeoutSeconds);
      await watchDoc(jobRef(db, task.projectId, task.jobId), (snap) => snap.get("status") !== "pending");
      throw new Error("4 DEADLINE_EXCEEDED: the reply was lost");
    };

    const reply = await startWith(replyLost, startRequest(guest.idToken, { projectId, sessionId, stepId: "s" }));

    expect(reply.status).toBe(202);
    const jobId = (reply.body as { jobId: string }).jobId;
    await watchDoc(jobRef(db, projectId, jobId), isEnded);
    expect((await jobRef(db, projectId, jobId).get()).data()).toMatchObject({ status: "completed", error: null });
  });
});
