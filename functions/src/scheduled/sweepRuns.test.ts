import { Job, RunRecord } from "@clementine/shared";
import { Timestamp } from "firebase-admin/firestore";
import { beforeAll, describe, expect, it } from "vitest";
import { executeRun, SimulatedCrash } from "../engine/executeRun.js";
import { runRef } from "../engine/refs.js";
import { db } from "../lib/firebase.js";
import { createJob } from "../lib/jobs/createJob.js";
import { jobRef, sessionRef } from "../lib/refs.js";
import { driveUntil, fireSchedule, isEnded, nodes, seedSession, signUpAnonymously, testEngine, type Guest } from "../test/emulators.js";

// The deployed sweeper, fired as the local stack's scheduler does, against
// runs left as a crash would leave them.
let guest: Guest;
beforeAll(async () => {
  guest = await signUpAnonymously();
});

const { engine } = testEngine();
const readRun = async (runId: string) => RunRecord.parse((await runRef(db, runId).get()).data());

/** A transform job whose invocation died before node 2: node 1 is recorded, the lease still names the dead holder. */
async function crashedJob(leaseExpired: boolean) {
  const { projectId, sessionId } = await seedSession({ guestUid: guest.uid, nodes: nodes(3) });
  const created = await createJob(db, engine, { projectId, sessionId, stepId: "step-1", callerUid: guest.uid });
  if (created.kind !== "created") throw new Error(created.kind);
  const crash = new SimulatedCrash("the instance died");
  await expect(executeRun(engine, created.jobId, { beforeStep: (step) => { if (step === "node-2") throw crash; } })).rejects.toBe(crash);
  if (leaseExpired) {
    // As if the lease's time had passed: it expired, so the run is due.
    const past = Timestamp.fromMillis(Date.now() - 1000);
    await runRef(db, created.jobId).update({ "lease.expiresAt": past, wakeAt: past });
  }
  return { projectId, sessionId, jobId: created.jobId };
}

describe("sweepRuns, fired as the scheduler would", () => {
  it("resumes a run whose holder died once its lease expired; the completed node does not run again", async () => {
    const { projectId, sessionId, jobId } = await crashedJob(true);
    const before = await readRun(jobId);
    expect(before.steps["node-1"]).toMatchObject({ status: "completed", attempts: 1 });
    expect(before.status).toBe("running");

    await driveUntil(sessionRef(db, projectId, sessionId), isEnded);

    const run = await readRun(jobId);
    expect(run.status).toBe("completed");
    expect(run.steps["node-1"]).toEqual(before.steps["node-1"]); // memoized: same attempt, same times
    expect(Object.values(run.steps).map((s) => s.attempts)).toEqual([1, 1, 1]);
    expect(Job.parse((await jobRef(db, projectId, jobId).get()).data())).toMatchObject({ status: "completed", progress: { currentNode: 3 } });
  });

  it("leaves alone a run whose lease is live, and runs that ended", async () => {
    const live = await crashedJob(false);
    const done = await crashedJob(true);
    await driveUntil(sessionRef(db, done.projectId, done.sessionId), isEnded);
    const [liveBefore, doneBefore] = await Promise.all([runRef(db, live.jobId).get(), runRef(db, done.jobId).get()]);

    expect(await fireSchedule("sweepRuns")).toBe(200);

    const [liveAfter, doneAfter] = await Promise.all([runRef(db, live.jobId).get(), runRef(db, done.jobId).get()]);
    expect(liveAfter.updateTime!.isEqual(liveBefore.updateTime!)).toBe(true);
    expect(doneAfter.updateTime!.isEqual(doneBefore.updateTime!)).toBe(true);
  });
});
