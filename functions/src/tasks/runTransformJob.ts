import { TransformPipelineTask, type Job, type JobError, type JobStatus, type TransformNode } from "@clementine/shared";
import type { Firestore } from "firebase-admin/firestore";
import { logger } from "firebase-functions";
import { describeError, jobError } from "../core/jobErrors.js";
import { abortReason, runStubNode, type NodeContext, type NodeOutput } from "../lib/executor/stubExecutor.js";
import { claimJob } from "../lib/jobs/claimJob.js";
import { completeJob } from "../lib/jobs/completeJob.js";
import { failJob, whileStatus } from "../lib/jobs/failJob.js";
import { recordProgress } from "../lib/jobs/recordProgress.js";

export interface RunDeps {
  db: Firestore;
  timeoutSeconds: number;
  runNode?: (node: TransformNode, context: NodeContext) => Promise<NodeOutput>;
}

class JobTimeout extends Error {
  override name = "JobTimeout";
}

class NodeFailed extends Error {
  override name = "NodeFailed";
  constructor(readonly nodeId: string, override readonly cause: unknown) {
    super(`node ${nodeId} failed`);
  }
}

/** Set when the job stopped being ours mid-run (the sweeper failed it): stop quietly. */
class JobLost extends Error {
  override name = "JobLost";
}

/**
 * Runs one job delivered by Cloud Tasks. Never throws for a job's own
 * failure: every outcome is recorded on the job and the task acknowledged,
 * since Cloud Tasks would redeliver anything that is not a 2xx.
 */
export async function runTransformJob(payload: unknown, deps: RunDeps): Promise<void> {
  const task = TransformPipelineTask.safeParse(payload);
  if (!task.success) {
    logger.error("task.invalid_payload", { payload, issues: task.error.issues });
    return;
  }
  const { projectId, jobId } = task.data;
  const { db } = deps;
  let claim;
  try {
    claim = await claimJob(db, projectId, jobId, deps.timeoutSeconds);
  } catch (error) {
    // Acknowledge all the same (no retries): fail the job while it is still ours to fail.
    await recordFailure(db, { projectId, jobId }, jobError("INTERNAL", `claim failed: ${describeError(error)}`), "pending");
    return;
  }
  if (claim.kind !== "claimed") {
    logger.info("job.claim_skipped", { projectId, jobId, reason: claim.kind, ...(claim.kind === "not-pending" ? { sessionId: claim.sessionId, status: claim.status } : {}) });
    return;
  }
  const job = claim.job;
  const log = { projectId, sessionId: job.sessionId, jobId };
  logger.info("job.running", { ...log, totalNodes: job.progress.totalNodes });

  const controller = new AbortController();
  const msLeft = (job.deadlineAt?.toMillis() ?? Date.now()) - Date.now();
  const timer = setTimeout(() => controller.abort(new JobTimeout(`ran past its ${deps.timeoutSeconds} s timeout`)), msLeft);
  let nodeId: string | null = null;
  try {
    const output = await runNodes(job, jobId, deps, controller.signal, (id) => (nodeId = id));
    if (await completeJob(db, projectId, jobId, { nodes: output })) logger.info("job.completed", log);
    else logger.warn("job.lost", { ...log, at: "complete" });
  } catch (error) {
    if (error instanceof JobLost) {
      logger.warn("job.lost", { ...log, nodeId });
      return;
    }
    await recordFailure(db, log, toJobError(error, nodeId), "running");
  } finally {
    clearTimeout(timer);
  }
}

async function runNodes(
  job: Job,
  jobId: string,
  deps: RunDeps,
  signal: AbortSignal,
  onNode: (nodeId: string) => void,
): Promise<Array<{ nodeId: string; type: string; result: NodeOutput }>> {
  const runNode = deps.runNode ?? runStubNode;
  const nodes = job.input.transform.nodes;
  const results = [];
  // A node that ignores the signal still loses the race against the deadline.
  const deadline = rejectOnAbort(signal);
  deadline.catch(() => {}); // raced below; a rejection between nodes is handled there
  for (const [index, node] of nodes.entries()) {
    onNode(node.id);
    const context = { signal, sessionInputs: job.input.sessionInputs };
    let result: NodeOutput;
    try {
      if (signal.aborted) throw abortReason(signal);
      result = await Promise.race([runNode(node, context), deadline]);
    } catch (error) {
      throw signal.aborted ? abortReason(signal) : new NodeFailed(node.id, error);
    }
    results.push({ nodeId: node.id, type: node.type, result });
    const last = index === nodes.length - 1;
    // The last node's progress goes out with the completion write.
    if (!last && !(await recordProgress(deps.db, job.projectId, jobId, index + 1))) throw new JobLost();
  }
  return results;
}

function rejectOnAbort(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    if (signal.aborted) reject(abortReason(signal));
    signal.addEventListener("abort", () => reject(abortReason(signal)), { once: true });
  });
}

function toJobError(error: unknown, nodeId: string | null): JobError {
  if (error instanceof JobTimeout) return jobError("TIMEOUT", `${error.message} (at node ${nodeId})`, nodeId);
  if (error instanceof NodeFailed) return jobError("NODE_FAILED", describeError(error.cause), error.nodeId);
  return jobError("INTERNAL", describeError(error), nodeId);
}

/** Fails the job if it is still `status`; a failure to record it is logged, never thrown. */
async function recordFailure(db: Firestore, log: { projectId: string; sessionId?: string; jobId: string }, error: JobError, status: JobStatus) {
  try {
    const failed = await failJob(db, log.projectId, log.jobId, whileStatus(status, error));
    logger.error(failed ? "job.failed" : "job.lost", { ...log, code: error.code, nodeId: error.nodeId, detail: error.detail });
  } catch (writeError) {
    // The sweeper will fail the job with TIMEOUT once its deadline passes.
    logger.error("job.fail_not_recorded", { ...log, code: error.code, detail: error.detail, writeError: describeError(writeError) });
  }
}
