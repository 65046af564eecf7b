import { ACTIVE_STATUSES, Experience, Job, Session, SessionJobView } from "@clementine/shared";
import { Timestamp, type Firestore, type Transaction } from "firebase-admin/firestore";
import { deadlineAfter } from "../../core/deadlines.js";
import { progressAfter } from "../../core/progress.js";
import { sessionView } from "../../core/sessionView.js";
import { experienceRef, jobRef, jobsCollection, sessionRef } from "../refs.js";

export interface CreateJobInput {
  projectId: string;
  sessionId: string;
  stepId: string;
  callerUid: string;
  timeoutSeconds: number;
}

export type CreateJobOutcome =
  | { kind: "created"; jobId: string; job: Job }
  | { kind: "session-not-found" }
  | { kind: "session-invalid"; detail: string }
  | { kind: "not-owner" }
  | { kind: "job-in-progress"; jobId: string | null }
  | { kind: "transform-not-found" }
  | { kind: "transform-invalid"; detail: string };

/**
 * Creates a pending job and points the session at it, in one transaction:
 * either both documents change or neither does. Two racing calls for one
 * session serialize on the session document, so exactly one creates a job
 * and the other sees it in progress.
 */
export async function createJob(db: Firestore, input: CreateJobInput): Promise<CreateJobOutcome> {
  const { projectId, sessionId, stepId, callerUid, timeoutSeconds } = input;
  const sessionDoc = sessionRef(db, projectId, sessionId);
  return db.runTransaction(async (tx): Promise<CreateJobOutcome> => {
    const sessionSnap = await tx.get(sessionDoc);
    if (!sessionSnap.exists) return { kind: "session-not-found" };
    const parsed = Session.safeParse(sessionSnap.data());
    if (!parsed.success) return { kind: "session-invalid", detail: parsed.error.message };
    const session = parsed.data;
    if (session.guestUid !== callerUid) return { kind: "not-owner" };
    if (session.jobStatus && ACTIVE_STATUSES.includes(session.jobStatus) && (await jobStillActive(tx, db, projectId, session.jobId))) {
      return { kind: "job-in-progress", jobId: session.jobId };
    }

    const experienceSnap = await tx.get(experienceRef(db, projectId, session.experienceId));
    if (!experienceSnap.exists) return { kind: "transform-not-found" };
    const experience = Experience.safeParse(experienceSnap.data());
    if (!experience.success) return { kind: "transform-invalid", detail: experience.error.message };
    const transform = experience.data.transform;
    if (!transform || transform.nodes.length === 0) return { kind: "transform-not-found" };

    const now = Timestamp.now();
    const jobDoc = jobsCollection(db, projectId).doc();
    const job = Job.parse({
      projectId,
      sessionId,
      experienceId: session.experienceId,
      stepId,
      status: "pending",
      progress: progressAfter(0, transform.nodes.length),
      input: { transform, sessionInputs: session.inputs ?? {} },
      output: null,
      error: null,
      deadlineAt: Timestamp.fromMillis(deadlineAfter(now.toMillis(), timeoutSeconds)),
      revision: 1,
      createdAt: now,
      startedAt: null,
      finishedAt: null,
      updatedAt: now,
    } satisfies Job);
    tx.create(jobDoc, job);
    tx.update(sessionDoc, SessionJobView.parse(sessionView(jobDoc.id, job)));
    return { kind: "created", jobId: jobDoc.id, job };
  });
}

/**
 * The session says a job is active; believe the job itself. A session can only
 * be behind its job if a past write went wrong, and then it must not block the
 * guest forever.
 */
async function jobStillActive(tx: Transaction, db: Firestore, projectId: string, jobId: string | null): Promise<boolean> {
  if (!jobId) return false;
  const job = await tx.get(jobRef(db, projectId, jobId));
  const status: unknown = job.get("status");
  return ACTIVE_STATUSES.some((active) => active === status);
}
