import { Job } from "@clementine/shared";
import { describe, expect, it } from "vitest";
import { progressAfter } from "../../core/progress.js";
import { db } from "../firebase.js";
import { jobRef, jobsCollection, sessionRef } from "../refs.js";
import { nodes, seedSession } from "../../test/emulators.js";
import { createJob } from "./createJob.js";

const input = (projectId: string, sessionId: string) => ({ projectId, sessionId, stepId: "step-3", callerUid: "guest-a", timeoutSeconds: 60 });

describe("createJob", () => {
  it("writes a pending job and the session's mirror of it in one commit", async () => {
    const { projectId, sessionId, experienceId } = await seedSession({ guestUid: "guest-a", nodes: nodes(3) });

    const outcome = await createJob(db, input(projectId, sessionId));

    if (outcome.kind !== "created") throw new Error(outcome.kind);
    const jobSnap = await jobRef(db, projectId, outcome.jobId).get();
    const sessionSnap = await sessionRef(db, projectId, sessionId).get();
    const job = Job.parse(jobSnap.data());
    expect(job).toMatchObject({ status: "pending", experienceId, stepId: "step-3", revision: 1, progress: progressAfter(0, 3), startedAt: null });
    expect(job.deadlineAt!.toMillis() - job.createdAt.toMillis()).toBe(60_000);
    expect(sessionSnap.data()).toMatchObject({ jobId: outcome.jobId, jobStatus: "pending", jobProgress: progressAfter(0, 3), jobError: null });
    expect(sessionSnap.updateTime!.isEqual(jobSnap.updateTime!)).toBe(true);
  });

  it("creates exactly one job when several transactions race for one session", async () => {
    const { projectId, sessionId } = await seedSession({ guestUid: "guest-a", nodes: nodes(2) });

    const outcomes = await Promise.all(Array.from({ length: 5 }, () => createJob(db, input(projectId, sessionId))));

    const created = outcomes.flatMap((o) => (o.kind === "created" ? [o.jobId] : []));
    expect(created).toHaveLength(1);
    expect(outcomes.filter((o) => o.kind === "job-in-progress")).toHaveLength(4);
    expect((await jobsCollection(db, projectId).get()).docs.map((d) => d.id)).toEqual(created);
    expect((await sessionRef(db, projectId, sessionId).get()).get("jobId")).toBe(created[0]);
  });

  it("believes the job over a session left saying running: an ended job does not block a new one", async () => {
    const { projectId, sessionId } = await seedSession({ guestUid: "guest-a", nodes: nodes(2) });
    const first = await createJob(db, input(projectId, sessionId));
    if (first.kind !== "created") throw new Error(first.kind);
    await jobRef(db, projectId, first.jobId).update({ status: "completed" });
    await sessionRef(db, projectId, sessionId).update({ jobStatus: "running" });

    const second = await createJob(db, input(projectId, sessionId));

    expect(second.kind).toBe("created");
  });
});
