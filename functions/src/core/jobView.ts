import type { Job, JobErrorCode, RunRecord, TransformConfig } from "@clementine/shared";
import { jobError } from "./jobErrors.js";
import { progressAfter } from "./progress.js";

/** What a transform run carries: the job's input as it was when the job was created. */
export interface TransformPayload {
  projectId: string;
  sessionId: string;
  experienceId: string;
  stepId: string;
  transform: TransformConfig;
  sessionInputs: Record<string, unknown>;
}

const JOB_ERROR_CODES: Record<string, JobErrorCode> = { STEP_FAILED: "NODE_FAILED", TIMEOUT: "TIMEOUT", INTERNAL: "INTERNAL" };

/**
 * The job document admins read, as a view of its run: the transform
 * pipeline's contract (progress in nodes, output per node, NODE_FAILED with
 * the node's id) over the engine's generic run. Written in the same commit as
 * every change of the run.
 */
export function jobView(run: RunRecord, payload: TransformPayload): Job {
  const { nodes } = payload.transform;
  const error = run.error;
  return {
    projectId: payload.projectId,
    sessionId: payload.sessionId,
    experienceId: payload.experienceId,
    stepId: payload.stepId,
    status: run.status,
    progress: progressAfter(run.progress.completedSteps, nodes.length),
    input: { transform: payload.transform, sessionInputs: payload.sessionInputs },
    output:
      run.status === "completed"
        ? { nodes: nodes.map((node) => ({ nodeId: node.id, type: node.type, result: (Object.hasOwn(run.steps, node.id) ? (run.steps[node.id]!.output as { result?: Record<string, unknown> }).result : undefined) ?? {} })) }
        : null,
    error: error ? jobError(JOB_ERROR_CODES[error.code] ?? "INTERNAL", error.detail, error.step) : null,
    deadlineAt: run.status === "running" ? run.deadlineAt : null,
    revision: run.commits,
    createdAt: run.createdAt,
    startedAt: run.startedAt,
    finishedAt: run.finishedAt,
    updatedAt: run.updatedAt,
  };
}
