import { RunRecord, RunStatus, TERMINAL_RUN_STATUSES } from "@clementine/shared";
import { Timestamp, type Firestore, type Query } from "firebase-admin/firestore";
import { logger } from "firebase-functions";
import type { Engine } from "./engine.js";
import { runsCollection } from "./refs.js";

/** What the history can be filtered by (spec FR-007), besides the run id itself (a plain read). */
export interface HistoryFilter {
  projectId: string;
  pipeline?: string;
  status?: RunStatus;
  dedupKey?: string;
  /** Created at or after (epoch ms). */
  from?: number;
  /** Created before (epoch ms). */
  to?: number;
}

/** The optional equality filters, in the order their index lists them. */
const EQUALITY_FIELDS = ["pipeline", "status", "dedupKey"] as const;

/**
 * The composite index a history query with these equality filters needs:
 * `projectId`, the filters, then `createdAt` descending. `firestore.indexes.json`
 * declares one for every combination (a test checks it).
 */
export function historyIndex(filters: ReadonlyArray<(typeof EQUALITY_FIELDS)[number]>) {
  return {
    collectionGroup: "runs",
    queryScope: "COLLECTION",
    fields: [
      { fieldPath: "projectId", order: "ASCENDING" },
      ...EQUALITY_FIELDS.filter((f) => filters.includes(f)).map((fieldPath) => ({ fieldPath, order: "ASCENDING" })),
      { fieldPath: "createdAt", order: "DESCENDING" },
    ],
  };
}

/** Every subset of the equality filters. */
export const HISTORY_FILTER_SETS = EQUALITY_FIELDS.reduce<Array<Array<(typeof EQUALITY_FIELDS)[number]>>>((sets, field) => [...sets, ...sets.map((s) => [...s, field])], [[]]);

/** A page of runs, newest first; `after` is the last run id of the previous page. */
export async function listRuns(db: Firestore, filter: HistoryFilter, page: { limit: number; after?: string }): Promise<{ runs: Array<{ runId: string; record: RunRecord }>; next: string | null }> {
  let query: Query = runsCollection(db).where("projectId", "==", filter.projectId);
  for (const field of EQUALITY_FIELDS) if (filter[field] !== undefined) query = query.where(field, "==", filter[field]);
  if (filter.from !== undefined) query = query.where("createdAt", ">=", Timestamp.fromMillis(filter.from));
  if (filter.to !== undefined) query = query.where("createdAt", "<", Timestamp.fromMillis(filter.to));
  query = query.orderBy("createdAt", "desc");
  if (page.after) {
    const cursor = await runsCollection(db).doc(page.after).get();
    if (cursor.exists) query = query.startAfter(cursor);
  }
  const snap = await query.limit(page.limit + 1).get();
  const docs = snap.docs.slice(0, page.limit);
  return { runs: docs.map((d) => ({ runId: d.id, record: RunRecord.parse(d.data()) })), next: snap.size > page.limit ? docs.at(-1)!.id : null };
}

/**
 * Deletes runs whose retention has passed, with their events: what the TTL
 * policy does in production, for the emulator (which has none) and as a
 * backstop (TTL deletes a document, not its subcollections; the events carry
 * their own expiry). Returns how many runs it deleted.
 */
export async function cleanupRuns(engine: Engine, pageSize = 200): Promise<number> {
  const now = Timestamp.fromMillis(engine.now());
  let deleted = 0;
  for (;;) {
    const expired = await runsCollection(engine.db).where("expiresAt", "<=", now).orderBy("expiresAt").limit(pageSize).get();
    // Only ended runs carry an expiry; the status check guards against a bad write.
    const ended = expired.docs.filter((d) => TERMINAL_RUN_STATUSES.includes(d.get("status") as RunStatus));
    await Promise.all(ended.map((d) => engine.db.recursiveDelete(d.ref)));
    deleted += ended.length;
    if (expired.size < pageSize || ended.length === 0) break;
  }
  logger.info("history.cleanup", { deleted });
  return deleted;
}
