import { Job, RunRecord } from "@clementine/shared";
import { describe, expect, it } from "vitest";
import { progressAfter } from "../../core/progress.js";
import { runRef } from "../../engine/refs.js";
import { nodes, seedSession, testEngine } from "../../test/emulators.js";
import { db } from "../firebase.js";
import { jobRef, jobsCollection, sessionRef } from "../refs.js";
import { createJob } from "./createJob.js";

const input = (projectId: string, sessionId: string) => ({ projectId, sessionId, stepId: "step-3", callerUid: "guest-a" });
const { engine } = testEngine();

describe("createJob", () => {
  it("writes the pending run, its job and the session's mirror of it in one commit", async () => {
    const { projectId, sessionId, experienceId } = await seedSession({ guestUid: "guest-a", nodes: nodes(3) });

    const outcome = await createJob(db, engine, input(projectId, sessionId));

    if (outcome.kind !== "created") throw new Error(outcome.kind);
    const [jobSnap, sessionSnap, runSnap] = await Promise.all([jobRef(db, projectId, outcome.jobId).get(), sessionRef(db, projectId, sessionId).get(), runRef(db, outcome.jobId).get()]);
    const job = Job.parse(jobSnap.data());
    expect(job).toMatchObject({ status: "pending", experienceId, stepId: "step-3", revision: 1, progress: progressAfter(0, 3), startedAt: null });
    expect(RunRecord.parse(runSnap.data())).toMatchObject({ pipeline: "transform", projectId, status: "pending", correlationId: sessionId, payload: { sessionId, stepId: "step-3" } });
    expect(sessionSnap.data()).toMatchObject({ jobId: outcome.jobId, jobStatus: "pending", jobProgress: progressAfter(0, 3), jobError: null });
    expect(sessionSnap.updateTime!.isEqual(jobSnap.updateTime!)).toBe(true);
    expect(runSnap.updateTime!.isEqual(jobSnap.updateTime!)).toBe(true);
  });

  it("creates exactly one job when several transactions race for one session", async () => {
    const { projectId, sessionId } = await seedSession({ guestUid: "guest-a", nodes: nodes(2) });

    const outcomes = await Promise.all(Array.from({ length: 5 }, () => createJob(db, engine, input(projectId, sessionId))));

    const created = outcomes.flatMap((o) => (o.kind === "created" ? [o.jobId] : []));
    expect(created).toHaveLength(1);
    expect(outcomes.filter((o) => o.kind === "job-exists")).toEqual(Array(4).fill({ kind: "job-exists", jobId: created[0], status: "pending" }));
    expect((await jobsCollection(db, projectId).get()).docs.map((d) => d.id)).toEqual(created);
    expect((await sessionRef(db, projectId, sessionId).get()).get("jobId")).toBe(created[0]);
  });

  it("allows one job per session: a completed job refuses another, a failed one does not", async () => {
    const { projectId, sessionId } = await seedSession({ guestUid: "guest-a", nodes: nodes(2) });
    const first = await createJob(db, engine, input(projectId, sessionId));
    if (first.kind !== "created") throw new Error(first.kind);

    await jobRef(db, projectId, first.jobId).update({ status: "completed" });
    expect(await createJob(db, engine, input(projectId, sessionId))).toEqual({ kind: "job-exists", jobId: first.jobId, status: "completed" });

    await jobRef(db, projectId, first.jobId).update({ status: "failed" });
    const second = await createJob(db, engine, input(projectId, sessionId));
    expect(second.kind).toBe("created");
  });

  it("believes the job over a session left saying running: a failed job does not block a new one", async () => {
    const { projectId, sessionId } = await seedSession({ guestUid: "guest-a", nodes: nodes(2) });
    const first = await createJob(db, engine, input(projectId, sessionId));
    if (first.kind !== "created") throw new Error(first.kind);
    await jobRef(db, projectId, first.jobId).update({ status: "failed" });
    await sessionRef(db, projectId, sessionId).update({ jobStatus: "running" });

    expect((await createJob(db, engine, input(projectId, sessionId))).kind).toBe("created");
  });
});
