import type { Firestore } from "firebase-admin/firestore";
import { Timestamp } from "firebase-admin/firestore";
import type { Job, JobStatus } from "@clementine/shared";
import { deadlineAfter } from "../../core/deadlines.js";
import { changeJob } from "./changeJob.js";

export type ClaimOutcome =
  | { kind: "claimed"; job: Job }
  | { kind: "not-pending"; status: JobStatus; sessionId: string }
  | { kind: "not-found" };

/**
 * pending → running. The guard that makes duplicate task deliveries harmless:
 * of any number of concurrent claims, exactly one sees `pending`.
 */
export async function claimJob(db: Firestore, projectId: string, jobId: string, timeoutSeconds: number): Promise<ClaimOutcome> {
  const result = await changeJob(db, projectId, jobId, (job, now) => {
    if (job.status !== "pending") return { outcome: job.status };
    return {
      outcome: "claimed" as const,
      next: {
        ...job,
        status: "running",
        startedAt: now,
        deadlineAt: Timestamp.fromMillis(deadlineAfter(now.toMillis(), timeoutSeconds)),
      },
    };
  });
  if (!result.found) return { kind: "not-found" };
  return result.outcome === "claimed"
    ? { kind: "claimed", job: result.job }
    : { kind: "not-pending", status: result.outcome, sessionId: result.job.sessionId };
}
