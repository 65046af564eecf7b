import { Job, type TransformNode } from "@clementine/shared";
import { describe, expect, it } from "vitest";
import { jobError } from "../core/jobErrors.js";
import { db } from "../lib/firebase.js";
import { createJob } from "../lib/jobs/createJob.js";
import { failJob, whileStatus } from "../lib/jobs/failJob.js";
import { jobRef, sessionRef } from "../lib/refs.js";
import { nodes, seedSession } from "../test/emulators.js";
import { runTransformJob } from "./runTransformJob.js";

// In-process, against the Firestore emulator, with a fault injected at one
// named point: what a node does while it runs.
async function pendingJob(transformNodes: TransformNode[]) {
  const { projectId, sessionId } = await seedSession({ guestUid: "guest-b", nodes: transformNodes });
  const created = await createJob(db, { projectId, sessionId, stepId: "s", callerUid: "guest-b", timeoutSeconds: 60 });
  if (created.kind !== "created") throw new Error(created.kind);
  return { projectId, sessionId, jobId: created.jobId };
}

const readJob = async (projectId: string, jobId: string) => Job.parse((await jobRef(db, projectId, jobId).get()).data());

describe("runTransformJob", () => {
  it("stops without writing when the sweeper failed its job mid-run", async () => {
    const { projectId, sessionId, jobId } = await pendingJob(nodes(3));
    const ran: string[] = [];
    const sweptMidRun = async (node: TransformNode) => {
      ran.push(node.id);
      if (node.id === "node-2") {
        await failJob(db, projectId, jobId, whileStatus("running", jobError("TIMEOUT", "swept in test")));
      }
      return {};
    };

    await runTransformJob({ projectId, jobId }, { db, timeoutSeconds: 60, runNode: sweptMidRun });

    expect(ran).toEqual(["node-1", "node-2"]);
    const job = await readJob(projectId, jobId);
    expect(job).toMatchObject({ status: "failed", error: { code: "TIMEOUT", detail: "swept in test" }, output: null });
    expect(job.revision).toBe(4); // create, claim, progress after node-1, the sweeper's failure: nothing after
    expect((await sessionRef(db, projectId, sessionId).get()).get("jobStatus")).toBe("failed");
  });

  it("leaves a session alone once it points at another job", async () => {
    const { projectId, sessionId, jobId } = await pendingJob(nodes(2));
    await sessionRef(db, projectId, sessionId).update({ jobId: "a-newer-job", jobStatus: "pending" });

    await runTransformJob({ projectId, jobId }, { db, timeoutSeconds: 60 });

    expect((await readJob(projectId, jobId)).status).toBe("completed");
    expect((await sessionRef(db, projectId, sessionId).get()).data()).toMatchObject({ jobId: "a-newer-job", jobStatus: "pending" });
  });

  it("records a node that never settles as TIMEOUT, even if it ignores the abort signal", async () => {
    const { projectId, jobId } = await pendingJob(nodes(2));
    const deaf = () => new Promise<Record<string, unknown>>(() => {});

    await runTransformJob({ projectId, jobId }, { db, timeoutSeconds: 1, runNode: deaf });

    expect((await readJob(projectId, jobId)).error).toMatchObject({ code: "TIMEOUT", nodeId: "node-1" });
  });
});
