import { StartTransformPipelineRequest } from "@clementine/shared";
import type { Firestore } from "firebase-admin/firestore";
import { logger } from "firebase-functions";
import { describeError, jobError } from "../core/jobErrors.js";
import type { EnqueueTransformTask } from "../lib/enqueue.js";
import { createJob } from "../lib/jobs/createJob.js";
import { failJob, whileStatus } from "../lib/jobs/failJob.js";
import { accepted, errorReply, type HttpReply } from "./layer/reply.js";
import { defineRoute, type Route } from "./layer/route.js";

export interface StartDeps {
  db: Firestore;
  enqueue: EnqueueTransformTask;
  /** Read per request: params have no value while the functions are being loaded for deploy. */
  timeoutSeconds(): number;
}

/** POST / — a guest starts the transform of their session; 202 with the job's id. */
export function startTransformPipelineRoute(deps: StartDeps): Route {
  return defineRoute({
    method: "POST",
    path: "/",
    access: "user",
    body: StartTransformPipelineRequest,
    handle: ({ body, uid }) => start(body, uid, deps),
  });
}

async function start({ projectId, sessionId, stepId }: StartTransformPipelineRequest, uid: string, deps: StartDeps): Promise<HttpReply> {
  const log = { projectId, sessionId, uid };
  const timeoutSeconds = deps.timeoutSeconds();
  const outcome = await createJob(deps.db, { projectId, sessionId, stepId, callerUid: uid, timeoutSeconds });
  switch (outcome.kind) {
    case "created":
      break;
    case "session-not-found":
      return errorReply("SESSION_NOT_FOUND");
    case "not-owner":
      logger.warn("start.not_owner", log);
      return errorReply("PERMISSION_DENIED", "This session belongs to another guest.");
    case "job-in-progress":
      return errorReply("JOB_IN_PROGRESS");
    case "transform-not-found":
      return errorReply("TRANSFORM_NOT_FOUND");
    case "transform-invalid":
      logger.error("start.transform_invalid", { ...log, detail: outcome.detail });
      return errorReply("TRANSFORM_INVALID");
    case "session-invalid":
      logger.error("start.session_invalid", { ...log, detail: outcome.detail });
      return errorReply("INTERNAL");
    default:
      return assertNever(outcome);
  }

  const { jobId } = outcome;
  logger.info("job.created", { ...log, jobId, totalNodes: outcome.job.progress.totalNodes });
  try {
    await withTimeout(deps.enqueue({ projectId, jobId }, timeoutSeconds), ENQUEUE_TIMEOUT_MS, "enqueue");
  } catch (error) {
    return enqueueFailed(deps, { ...log, jobId }, `enqueue failed: ${describeError(error)}`);
  }
  logger.info("job.enqueued", { ...log, jobId });
  return accepted({ jobId });
}

/** How long a start request waits for Cloud Tasks before it gives the job up. */
const ENQUEUE_TIMEOUT_MS = 20_000;

/**
 * Leaves nothing stuck: the session must not keep a pending job that no task
 * will run. If the task got through after all (the job is already claimed),
 * the start succeeded.
 */
async function enqueueFailed(deps: StartDeps, log: { projectId: string; sessionId: string; uid: string; jobId: string }, detail: string): Promise<HttpReply> {
  logger.error("job.enqueue_failed", { ...log, detail });
  try {
    const failed = await failJob(deps.db, log.projectId, log.jobId, whileStatus("pending", jobError("ENQUEUE_FAILED", detail)));
    if (!failed) {
      logger.warn("job.enqueue_failed_but_claimed", log);
      return accepted({ jobId: log.jobId });
    }
  } catch (error) {
    // Still pending: the sweeper fails it with TIMEOUT at its deadline.
    logger.error("job.enqueue_failure_not_recorded", { ...log, writeError: describeError(error) });
  }
  return errorReply("INTERNAL", "The transform could not be started. Please try again.");
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function assertNever(value: never): never {
  throw new Error(`unhandled outcome: ${JSON.stringify(value)}`);
}
