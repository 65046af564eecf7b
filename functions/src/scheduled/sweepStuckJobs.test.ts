import { Job, type JobStatus } from "@clementine/shared";
import { Timestamp } from "firebase-admin/firestore";
import { beforeAll, describe, expect, it } from "vitest";
import { CLIENT_MESSAGES } from "../core/jobErrors.js";
import { progressAfter } from "../core/progress.js";
import { sessionView } from "../core/sessionView.js";
import { db } from "../lib/firebase.js";
import { jobRef, sessionRef } from "../lib/refs.js";
import { fireSchedule, nodes, seedSession, signUpAnonymously, type Guest } from "../test/emulators.js";
import { sweepStuckJobsCore } from "./sweepStuckJobsCore.js";

let guest: Guest;
beforeAll(async () => {
  guest = await signUpAnonymously();
});

/** A job left in `status` as if its worker had died, with its deadline `deadlineInMs` from now. */
async function seedJob(status: JobStatus, deadlineInMs: number | null) {
  const { projectId, sessionId, experienceId } = await seedSession({ guestUid: guest.uid, nodes: nodes(3) });
  const now = Date.now();
  const jobId = `job-${status}-${now}`;
  const job: Job = {
    projectId,
    sessionId,
    experienceId,
    stepId: "step-1",
    status,
    progress: progressAfter(status === "running" ? 1 : 0, 3),
    input: { transform: { nodes: nodes(3) }, sessionInputs: {} },
    output: null,
    error: null,
    deadlineAt: deadlineInMs === null ? null : Timestamp.fromMillis(now + deadlineInMs),
    revision: 2,
    createdAt: Timestamp.fromMillis(now - 700_000),
    startedAt: status === "pending" ? null : Timestamp.fromMillis(now - 650_000),
    finishedAt: status === "completed" ? Timestamp.fromMillis(now - 10_000) : null,
    updatedAt: Timestamp.fromMillis(now - 60_000),
  };
  await jobRef(db, projectId, jobId).set(Job.parse(job));
  await sessionRef(db, projectId, sessionId).update(sessionView(jobId, job));
  return { projectId, sessionId, jobId };
}

const read = async ({ projectId, sessionId, jobId }: { projectId: string; sessionId: string; jobId: string }) => ({
  job: Job.parse((await jobRef(db, projectId, jobId).get()).data()),
  session: (await sessionRef(db, projectId, sessionId).get()).data(),
});

describe("sweepStuckJobs, fired as the scheduler would", () => {
  it("fails a running job whose worker died and a pending job never picked up, with TIMEOUT, sessions synced", async () => {
    const died = await seedJob("running", -5 * 60_000);
    const neverPickedUp = await seedJob("pending", -5 * 60_000);
    const healthy = await seedJob("running", 5 * 60_000);
    const inGrace = await seedJob("running", -1_000); // its own worker is about to record the timeout
    const done = await seedJob("completed", null);

    expect(await fireSchedule("sweepStuckJobs")).toBe(200);

    for (const stuck of [died, neverPickedUp]) {
      const { job, session } = await read(stuck);
      expect(job.status).toBe("failed");
      expect(job.error?.code).toBe("TIMEOUT");
      expect(job.deadlineAt).toBeNull();
      expect(session).toMatchObject({ jobStatus: "failed", jobError: { code: "TIMEOUT", message: CLIENT_MESSAGES.TIMEOUT } });
    }
    expect((await read(died)).job.error?.detail).toMatch(/worker stopped before finishing.*node 2 of 3/);
    expect((await read(neverPickedUp)).job.error?.detail).toMatch(/never picked up/);
    for (const untouched of [healthy, inGrace, done]) {
      const { job } = await read(untouched);
      expect(job.revision).toBe(2);
    }
  });
});

describe("sweepStuckJobsCore, with an injected clock", () => {
  it("sweeps a running job once the clock passes its deadline plus the grace period, and only once", async () => {
    const running = await seedJob("running", 60_000);
    expect((await read(running)).job.status).toBe("running");

    await sweepStuckJobsCore(db, Date.now());
    expect((await read(running)).job.status).toBe("running");

    const later = Date.now() + 60_000 + 31_000;
    expect(await sweepStuckJobsCore(db, later)).toBeGreaterThanOrEqual(1);
    const { job } = await read(running);
    expect(job).toMatchObject({ status: "failed", revision: 3, error: { code: "TIMEOUT" } });

    await sweepStuckJobsCore(db, later);
    expect((await read(running)).job.revision).toBe(3);
  });
});
