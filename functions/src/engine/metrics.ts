import { Timestamp, type Firestore, type Query } from "firebase-admin/firestore";
import { logger } from "firebase-functions";
import type { Engine } from "./engine.js";
import { runsCollection } from "./refs.js";

export const MINUTE_MS = 60_000;

/** The composite indexes the metrics' count queries need. */
export const METRICS_INDEXES = [
  {
    collectionGroup: "runs",
    queryScope: "COLLECTION",
    fields: [
      { fieldPath: "projectId", order: "ASCENDING" },
      { fieldPath: "pipeline", order: "ASCENDING" },
      { fieldPath: "status", order: "ASCENDING" },
      { fieldPath: "finishedAt", order: "ASCENDING" },
    ],
  },
  // The console's charts: a pipeline's last minutes.
  {
    collectionGroup: "metrics",
    queryScope: "COLLECTION",
    fields: [
      { fieldPath: "pipeline", order: "ASCENDING" },
      { fieldPath: "minute", order: "DESCENDING" },
    ],
  },
] as const;

/** A pipeline's runs by state right now: what the queue holds. */
export interface QueueCounts {
  /** Created, not yet started (waiting for a delivery, a slot, or a delayed start). */
  waiting: number;
  /** Started and not ended: executing, or parked until a retry or a sleep is due. */
  running: number;
  completed: number;
  failed: number;
  cancelled: number;
}

/** `/projects/{p}/metrics/{pipeline}-{minute}`: one pipeline's minute. */
export interface MinuteMetrics {
  pipeline: string;
  /** The minute's start. */
  minute: Timestamp;
  /** At the minute's end. */
  waiting: number;
  running: number;
  /** Runs that ended in the minute. */
  completed: number;
  failed: number;
  /** failed / (completed + failed) in the minute; 0 when none ended. */
  failureRate: number;
}

const runsOf = (db: Firestore, projectId: string, pipeline: string): Query => runsCollection(db).where("projectId", "==", projectId).where("pipeline", "==", pipeline);
const count = async (query: Query) => (await query.count().get()).data().count;

/** Aggregation queries only: no document is written by every run. */
export async function queueCounts(db: Firestore, projectId: string, pipeline: string): Promise<QueueCounts> {
  const runs = runsOf(db, projectId, pipeline);
  const [waiting, running, completed, failed, cancelled] = await Promise.all(
    (["pending", "running", "completed", "failed", "cancelled"] as const).map((status) => count(runs.where("status", "==", status))),
  );
  return { waiting: waiting!, running: running!, completed: completed!, failed: failed!, cancelled: cancelled! };
}

/** How many runs ended with `status` in [start, end). */
const endedIn = (runs: Query, status: "completed" | "failed", start: number, end: number) =>
  count(runs.where("status", "==", status).where("finishedAt", ">=", Timestamp.fromMillis(start)).where("finishedAt", "<", Timestamp.fromMillis(end)));

export const metricsCollection = (db: Firestore, projectId: string) => db.collection("projects").doc(projectId).collection("metrics");

/**
 * Records the minute that just ended for every pipeline of every project: one
 * document per pipeline per minute, from aggregation queries (spec FR-015).
 * Runs write no metrics themselves; the scheduler writes this once a minute.
 * A minute recorded twice is written with the same id: the later count wins.
 */
export async function recordMinute(engine: Engine, pipelines: readonly string[]): Promise<number> {
  const end = Math.floor(engine.now() / MINUTE_MS) * MINUTE_MS;
  const start = end - MINUTE_MS;
  const projects = await engine.db.collection("projects").listDocuments();
  let written = 0;
  await Promise.all(
    projects.flatMap((project) =>
      pipelines.map(async (pipeline) => {
        const runs = runsOf(engine.db, project.id, pipeline);
        const [queue, completed, failed] = await Promise.all([queueCounts(engine.db, project.id, pipeline), endedIn(runs, "completed", start, end), endedIn(runs, "failed", start, end)]);
        // A pipeline that never ran in a project leaves no trace there.
        if (queue.waiting + queue.running + queue.completed + queue.failed + queue.cancelled === 0) return;
        const minute: MinuteMetrics = { pipeline, minute: Timestamp.fromMillis(start), waiting: queue.waiting, running: queue.running, completed, failed, failureRate: completed + failed === 0 ? 0 : failed / (completed + failed) };
        await metricsCollection(engine.db, project.id).doc(`${pipeline}-${new Date(start).toISOString()}`).set({ ...minute, expiresAt: Timestamp.fromMillis(start + 30 * 24 * 3600 * 1000) });
        written++;
      }),
    ),
  );
  logger.info("metrics.recorded", { minute: new Date(start).toISOString(), written });
  return written;
}
