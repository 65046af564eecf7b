import { Job, SessionJobView } from "@clementine/shared";
import { Timestamp, type Firestore, type Transaction } from "firebase-admin/firestore";
import { logger } from "firebase-functions";
import { sessionView } from "../../core/sessionView.js";
import { jobRef, sessionRef } from "../refs.js";

/** A job as `decide` hands it back: the bookkeeping fields are filled in by `changeJob`. */
export type NextJob = Omit<Job, "revision" | "updatedAt">;
export type Decision<T> = { next: NextJob; outcome: T } | { outcome: T };
export type ChangeResult<T> = { found: false } | { found: true; outcome: T; job: Job };

/**
 * The one way an existing job changes: in a transaction, read the job and its
 * session, let `decide` look at the current job, and write the next job and
 * the session's mirror of it in the same commit. `decide` returns no `next`
 * when the job is not in the state it expects (a duplicate task, a job the
 * sweeper already failed...), and then nothing is written.
 */
export async function changeJob<T>(
  db: Firestore,
  projectId: string,
  jobId: string,
  decide: (job: Job, now: Timestamp) => Decision<T>,
): Promise<ChangeResult<T>> {
  const jobDoc = jobRef(db, projectId, jobId);
  return db.runTransaction(async (tx): Promise<ChangeResult<T>> => {
    const jobSnap = await tx.get(jobDoc);
    if (!jobSnap.exists) return { found: false };
    const job = Job.parse(jobSnap.data());
    const syncSession = await sessionToSync(tx, db, projectId, jobId, job.sessionId);

    const now = Timestamp.now();
    const decision = decide(job, now);
    if (!("next" in decision)) return { found: true, outcome: decision.outcome, job };

    const next = Job.parse({ ...decision.next, revision: job.revision + 1, updatedAt: now });
    tx.set(jobDoc, next);
    if (syncSession) tx.update(syncSession, SessionJobView.parse(sessionView(jobId, next)));
    return { found: true, outcome: decision.outcome, job: next };
  });
}

/** The session to mirror into, unless it was deleted or has moved on to another job. */
async function sessionToSync(tx: Transaction, db: Firestore, projectId: string, jobId: string, sessionId: string) {
  const ref = sessionRef(db, projectId, sessionId);
  const snap = await tx.get(ref);
  // Only the job pointer decides: nothing a guest may write can stop the mirror.
  if (snap.exists && snap.get("jobId") === jobId) return ref;
  logger.warn("job.session_not_synced", { projectId, sessionId, jobId, reason: snap.exists ? "session holds another job" : "session deleted" });
  return null;
}
