import { StartTransformPipelineRequest } from "@clementine/shared";
import { Timestamp, type Firestore } from "firebase-admin/firestore";
import { logger } from "firebase-functions";
import { createHash } from "node:crypto";
import { enqueueNewRun } from "../engine/createRun.js";
import type { Engine } from "../engine/engine.js";
import { createJob } from "../lib/jobs/createJob.js";
import { projectDoc } from "../lib/refs.js";
import { accepted, errorReply, type HttpReply } from "./layer/reply.js";
import { defineRoute, type Route } from "./layer/route.js";

export interface StartDeps {
  db: Firestore;
  /** Built on first use: params have no value while the functions are being loaded for deploy. */
  engine: () => Engine;
}

/** How long an Idempotency-Key keeps its first answer. */
const IDEMPOTENCY_WINDOW_MS = 24 * 3600 * 1000;

/** POST / — a guest starts the transform of their session; 202 with the job's id. */
export function startTransformPipelineRoute(deps: StartDeps): Route {
  return defineRoute({
    method: "POST",
    path: "/",
    access: "user",
    body: StartTransformPipelineRequest,
    handle: async ({ body, uid, header }) => {
      const key = header("idempotency-key");
      if (key === undefined) return start(body, uid, deps);
      if (!/^[\x21-\x7e]{1,200}$/.test(key)) return errorReply("INVALID_REQUEST", "Idempotency-Key: must be 1 to 200 visible ASCII characters");
      return rememberedFor(deps.db, body.projectId, uid, key, () => start(body, uid, deps));
    },
  });
}

async function start({ projectId, sessionId, stepId }: StartTransformPipelineRequest, uid: string, deps: StartDeps): Promise<HttpReply> {
  const log = { projectId, sessionId, uid };
  const engine = deps.engine();
  const outcome = await createJob(deps.db, engine, { projectId, sessionId, stepId, callerUid: uid });
  switch (outcome.kind) {
    case "created":
      break;
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

/**
 * The first answer given to this caller for this key within 24 h, or the
 * answer `compute` gives now (then kept). Two requests racing with one key
 * may both compute; one job per session keeps that harmless, and both
 * answers name the same job.
 */
async function rememberedFor(db: Firestore, projectId: string, uid: string, key: string, compute: () => Promise<HttpReply>): Promise<HttpReply> {
  const ref = projectDoc(db, projectId).collection("idempotencyKeys").doc(createHash("sha256").update(`${uid}\n${key}`).digest("hex"));
  const now = Date.now();
  const kept = await ref.get();
  if (kept.exists && (kept.get("expiresAt") as Timestamp).toMillis() > now) return { status: kept.get("status") as number, body: kept.get("body") as unknown };
  const reply = await compute();
  if (reply.status >= 500) return reply; // nothing to remember: the client should retry
  await ref.set({ uid, status: reply.status, body: reply.body, createdAt: Timestamp.fromMillis(now), expiresAt: Timestamp.fromMillis(now + IDEMPOTENCY_WINDOW_MS) });
  return reply;
}
