import { createHash } from "node:crypto";
import { Experience, Session, SessionJobView, type Job, type JobStatus } from "@clementine/shared";
import { Timestamp, type DocumentReference, type DocumentSnapshot, type Firestore } from "firebase-admin/firestore";
import type { TransformPayload } from "../../core/jobView.js";
import { jobView } from "../../core/jobView.js";
import { sessionView } from "../../core/sessionView.js";
import { prepareRun } from "../../engine/createRun.js";
import type { Engine } from "../../engine/engine.js";
import { experienceRef, jobRef, jobsCollection, sessionRef } from "../refs.js";

export interface CreateJobInput {
  projectId: string;
  sessionId: string;
  stepId: string;
  callerUid: string;
  /** The caller's Idempotency-Key record: read and written in the same transaction as the job. */
  idempotencyKey?: DocumentReference;
}

/** What a key's record remembers of the request, so that the key cannot replay another one. */
const fingerprint = ({ projectId, sessionId, stepId }: CreateJobInput) => createHash("sha256").update(JSON.stringify([projectId, sessionId, stepId])).digest("hex");

/** How long an Idempotency-Key keeps its first answer. */
export const IDEMPOTENCY_WINDOW_MS = 24 * 3600 * 1000;

export type CreateJobOutcome =
  | { kind: "created"; jobId: string; job: Job }
  /** The key started a job within its window: that answer again. */
  | { kind: "replayed"; jobId: string }
  /** The key was used for a different request. */
  | { kind: "key-reused" }
  | { kind: "session-not-found" }
  | { kind: "session-invalid"; detail: string }
  | { kind: "not-owner" }
  /** One job per session: it has one that is pending, running or completed. */
  | { kind: "job-exists"; jobId: string; status: JobStatus }
  | { kind: "transform-not-found" }
  | { kind: "transform-invalid"; detail: string };

/** Statuses of a session's job that forbid a new one: only a failed or cancelled job may be followed by another. */
const HOLDS_SESSION: readonly JobStatus[] = ["pending", "running", "completed"];

/**
 * Creates the job's run (pending), the job document admins read and the
 * session's pointer to it, in one transaction: all three or none. Racing
 * calls for one session serialize on the session document, so exactly one
 * creates a job; the others, however late, find it. Enqueue the run after
 * the commit (`enqueueNewRun`).
 */
export async function createJob(db: Firestore, engine: Engine, input: CreateJobInput): Promise<CreateJobOutcome> {
  const { projectId, sessionId, stepId, callerUid, idempotencyKey } = input;
  const sessionDoc = sessionRef(db, projectId, sessionId);
  return db.runTransaction(async (tx): Promise<CreateJobOutcome> => {
    // One round trip for both: the session and, when the caller sent one, its Idempotency-Key record.
    const [sessionSnap, keySnap] = (await tx.getAll(sessionDoc, ...(idempotencyKey ? [idempotencyKey] : []))) as [DocumentSnapshot, DocumentSnapshot?];
    if (keySnap?.exists && (keySnap.get("expiresAt") as Timestamp).toMillis() > Date.now()) {
      if (keySnap.get("request") !== fingerprint(input)) return { kind: "key-reused" };
      return { kind: "replayed", jobId: keySnap.get("jobId") as string };
    }
    if (!sessionSnap.exists) return { kind: "session-not-found" };
    const parsed = Session.safeParse(sessionSnap.data());
    if (!parsed.success) return { kind: "session-invalid", detail: parsed.error.message };
    const session = parsed.data;
    if (session.guestUid !== callerUid) return { kind: "not-owner" };
    if (session.jobId) {
      // Believe the job, not the session's mirror of it.
      const status = (await tx.get(jobRef(db, projectId, session.jobId))).get("status") as JobStatus | undefined;
      if (status && HOLDS_SESSION.includes(status)) return { kind: "job-exists", jobId: session.jobId, status };
    }

    const experienceSnap = await tx.get(experienceRef(db, projectId, session.experienceId));
    if (!experienceSnap.exists) return { kind: "transform-not-found" };
    const experience = Experience.safeParse(experienceSnap.data());
    if (!experience.success) return { kind: "transform-invalid", detail: experience.error.message };
    const transform = experience.data.transform;
    if (!transform || transform.nodes.length === 0) return { kind: "transform-not-found" };

    const jobId = jobsCollection(db, projectId).doc().id;
    const payload: TransformPayload = { projectId, sessionId, experienceId: session.experienceId, stepId, transform, sessionInputs: session.inputs ?? {} };
    const run = prepareRun(engine, { pipeline: "transform", projectId, payload, runId: jobId, correlationId: sessionId });
    if (run.kind !== "ready") return { kind: "transform-invalid", detail: run.kind === "invalid-payload" ? run.issues.message : run.kind };
    const job = jobView(run.record, payload);
    tx.create(run.ref, run.record);
    tx.create(jobRef(db, projectId, jobId), job);
    tx.update(sessionDoc, SessionJobView.parse(sessionView(jobId, job)));
    if (idempotencyKey) {
      const now = Date.now();
      // Overwrites an expired record that the TTL policy has not deleted yet.
      tx.set(idempotencyKey, { jobId, request: fingerprint(input), createdAt: Timestamp.fromMillis(now), expiresAt: Timestamp.fromMillis(now + IDEMPOTENCY_WINDOW_MS) });
    }
    return { kind: "created", jobId, job };
  });
}

