import { StartTransformPipelineRequest } from "@clementine/shared";
import type { DocumentReference, Firestore } from "firebase-admin/firestore";
import { logger } from "firebase-functions";
import { createHash } from "node:crypto";
import { enqueueNewRun } from "../engine/createRun.js";
import type { Engine } from "../engine/engine.js";
import { createJob } from "../lib/jobs/createJob.js";
import { accepted, errorReply, type HttpReply } from "./layer/reply.js";
import { defineRoute, type Route } from "./layer/route.js";

export interface StartDeps {
  db: Firestore;
  /** Built on first use: params have no value while the functions are being loaded for deploy. */
  engine: () => Engine;
}

/** POST / — a guest starts the transform of their session; 202 with the job's id. */
export function startTransformPipelineRoute(deps: StartDeps): Route {
  return defineRoute({
    method: "POST",
    path: "/",
    access: "user",
    body: StartTransformPipelineRequest,
    handle: async ({ body, uid, header }) => {
      const key = header("idempotency-key");
      if (key !== undefined && !/^[\x21-\x7e]{1,200}$/.test(key)) return errorReply("INVALID_REQUEST", "Idempotency-Key: must be 1 to 200 visible ASCII characters");
      // Keyed by caller and key alone, whatever the body says; the record remembers the request it started.
      const keyRef = key === undefined ? undefined : deps.db.collection("idempotencyKeys").doc(createHash("sha256").update(`${uid}\n${key}`).digest("hex"));
      return start(body, uid, deps, keyRef);
    },
  });
}

async function start({ projectId, sessionId, stepId }: StartTransformPipelineRequest, uid: string, deps: StartDeps, idempotencyKey?: DocumentReference): Promise<HttpReply> {
  const log = { projectId, sessionId, uid };
  const engine = deps.engine();
  const outcome = await createJob(deps.db, engine, { projectId, sessionId, stepId, callerUid: uid, ...(idempotencyKey ? { idempotencyKey } : {}) });
  switch (outcome.kind) {
    case "created":
      break;
    case "replayed":
      return accepted({ jobId: outcome.jobId });
    case "key-reused":
      return errorReply("IDEMPOTENCY_KEY_REUSED");
    case "session-not-found":
      return errorReply("SESSION_NOT_FOUND");
    case "not-owner":
      logger.warn("start.not_owner", log);
      return errorReply("PERMISSION_DENIED", "This session belongs to another guest.");
    case "job-exists": {
      const reply = errorReply(outcome.status === "completed" ? "JOB_COMPLETED" : "JOB_IN_PROGRESS");
      return { ...reply, body: { ...(reply.body as object), jobId: outcome.jobId } };
    }
    case "transform-not-found":
      return errorReply("TRANSFORM_NOT_FOUND");
    case "transform-invalid":
      logger.error("start.transform_invalid", { ...log, detail: outcome.detail });
      return errorReply("TRANSFORM_INVALID");
    case "session-invalid":
      logger.error("start.session_invalid", { ...log, detail: outcome.detail });
      return errorReply("INTERNAL");
    default:
      return outcome satisfies never;
  }
  const { jobId } = outcome;
  logger.info("job.created", { ...log, jobId, totalNodes: outcome.job.progress.totalNodes });
  // Accepted once committed: should the enqueue fail, the sweeper sends the run's wake-up call.
  await enqueueNewRun(engine, jobId);
  return accepted({ jobId });
}
