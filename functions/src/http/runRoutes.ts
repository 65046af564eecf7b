import { DetectorEvent, DocumentId, RunEvent, RunRecord, RunStatus, StartRunRequest, StoredText } from "@clementine/shared";
import { Timestamp, type Firestore } from "firebase-admin/firestore";
import { logger } from "firebase-functions";
import { z } from "zod";
import { startRun, type StartOutcome } from "../engine/createRun.js";
import { listRuns } from "../engine/history.js";
import { queueCounts } from "../engine/metrics.js";
import type { Engine } from "../engine/engine.js";
import { eventsCollection, runRef } from "../engine/refs.js";
import { cancelRun, retryRun, type SteerOutcome } from "../engine/steerRun.js";
import { startVideoIngest, videoRunId } from "../pipelines/videoIngest.js";
import { describeIssues } from "./layer/describeIssues.js";
import { accepted, errorReply, ok, type HttpReply } from "./layer/reply.js";
import { defineRoute, type Route } from "./layer/route.js";

/** A user is an admin of a project when its members document says so (see firestore.rules). */
export async function isProjectAdmin(db: Firestore, projectId: string, uid: string): Promise<boolean> {
  const member = await db.collection("projects").doc(projectId).collection("members").doc(uid).get();
  return member.get("role") === "admin";
}

const RunParams = z.strictObject({ runId: DocumentId });
const ProjectParams = z.strictObject({ projectId: DocumentId });
const ProjectPipelineParams = z.strictObject({ projectId: DocumentId, pipeline: DocumentId });

/** The history's filters (spec FR-007), as query-string parameters. */
const HistoryQuery = z.strictObject({
  pipeline: DocumentId.optional(),
  status: RunStatus.optional(),
  dedupKey: StoredText.min(1).max(200).optional(),
  /** Created at or after, ISO 8601. */
  from: z.iso.datetime({ offset: true }).optional(),
  /** Created before, ISO 8601. */
  to: z.iso.datetime({ offset: true }).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  /** The `next` of the previous page. */
  after: DocumentId.optional(),
});
type HistoryQuery = z.infer<typeof HistoryQuery>;

/**
 * The engine's admin API: start a run of any pipeline, read a run with its
 * events, retry a failed run from its failed step, cancel a live one. Only
 * admins of the run's project may use it.
 */
export function runRoutes(getEngine: () => Engine): Route[] {
  /** The run, if it exists and the caller administers its project; else the answer to give. */
  async function adminRun(runId: string, uid: string): Promise<{ record: RunRecord } | { reply: HttpReply }> {
    const engine = getEngine();
    const snap = await runRef(engine.db, runId).get();
    if (!snap.exists) return { reply: errorReply("RUN_NOT_FOUND") };
    const record = RunRecord.parse(snap.data());
    if (!(await isProjectAdmin(engine.db, record.projectId, uid))) return { reply: errorReply("PERMISSION_DENIED", "Only admins of the run's project may see or steer it.") };
    return { record };
  }

  const steered = (outcome: SteerOutcome, runId: string, action: string): HttpReply => {
    switch (outcome.kind) {
      case "done":
        logger.info(`run.${action}`, { runId });
        return ok({ runId, status: outcome.record.status });
      case "not-found":
        return errorReply("RUN_NOT_FOUND");
      case "conflict":
        return errorReply("RUN_STATE_CONFLICT", `The run is ${outcome.status}: ${action === "retry" ? "only a failed run can be retried" : "only a pending or running run can be cancelled"}.`);
      default:
        return outcome satisfies never;
    }
  };

  /** What a start answers: 202 with a new run, 200 with the live run its dedup key found. */
  function started(outcome: StartOutcome, log: Record<string, unknown>): HttpReply {
    switch (outcome.kind) {
      case "ready":
        logger.info("run.created", { runId: outcome.ref.id, ...log });
        return accepted({ runId: outcome.ref.id, deduplicated: false });
      case "existing":
        logger.info("run.deduplicated", { runId: outcome.ref.id, dedupKey: outcome.record.dedupKey, ...log });
        return ok({ runId: outcome.ref.id, deduplicated: true, status: outcome.record.status });
      case "unknown-pipeline":
        return errorReply("PIPELINE_NOT_FOUND");
      case "invalid-payload":
        return errorReply("INVALID_REQUEST", describeIssues(outcome.issues, "payload").replace(/^(?!payload)/, "payload."));
      default:
        return outcome satisfies never;
    }
  }

  async function historyPage(projectId: string, query: HistoryQuery): Promise<HttpReply> {
    const { limit, after, from, to, ...filters } = query;
    const page = await listRuns(getEngine().db, { projectId, ...filters, ...(from ? { from: Date.parse(from) } : {}), ...(to ? { to: Date.parse(to) } : {}) }, { limit, ...(after ? { after } : {}) });
    return ok({ runs: page.runs.map(({ runId, record }) => ({ runId, ...summaryOf(record) })), next: page.next });
  }

  /** The run with its events, as the API shows it. */
  async function runView(runId: string, record: RunRecord): Promise<HttpReply> {
    const events = await eventsCollection(runRef(getEngine().db, runId)).orderBy("seq").limit(500).get();
    return ok({ runId, ...(toJson(record) as Record<string, unknown>), events: events.docs.map((d) => toJson(RunEvent.parse(d.data()))) });
  }

  /** GET {prefix}/{runId}: a run (an execution) with its events. */
  const getRoute = (prefix: string) =>
    defineRoute({
      method: "GET",
      path: `${prefix}/:runId`,
      access: "user",
      params: RunParams,
      handle: async ({ params, uid }) => {
        const found = await adminRun(params.runId, uid);
        return "reply" in found ? found.reply : runView(params.runId, found.record);
      },
    });

  /** POST {prefix}/{runId}/retry or /cancel: the run's admins steer it; a run in the wrong state is a 409. */
  const steerRoute = (prefix: string, action: "retry" | "cancel", steer: (engine: Engine, runId: string) => Promise<SteerOutcome>) =>
    defineRoute({
      method: "POST",
      path: `${prefix}/:runId/${action}`,
      access: "user",
      params: RunParams,
      handle: async ({ params, uid }) => {
        const found = await adminRun(params.runId, uid);
        if ("reply" in found) return found.reply;
        if (action === "retry" && !getEngine().pipeline(found.record.pipeline)?.adminSteerable) {
          return errorReply("RUN_STATE_CONFLICT", "Runs of this pipeline are started again by their own trigger, not retried here.");
        }
        return steered(await steer(getEngine(), params.runId), params.runId, action);
      },
    });

  return [
    defineRoute({
      method: "POST",
      path: "/projects/:projectId/pipelines/:pipeline/runs",
      access: "user",
      params: ProjectPipelineParams,
      body: StartRunRequest,
      handle: async ({ params, body, uid }) => {
        const engine = getEngine();
        if (!(await isProjectAdmin(engine.db, params.projectId, uid))) return errorReply("PERMISSION_DENIED", "Only admins of the project may start runs.");
        // A pipeline with its own trigger is not startable here: as far as this API knows, it does not exist.
        if (!engine.pipeline(params.pipeline)?.adminSteerable) return errorReply("PIPELINE_NOT_FOUND");
        const startAt = body.startAt !== undefined ? Date.parse(body.startAt) : body.delayMs !== undefined ? engine.now() + body.delayMs : null;
        const outcome = await startRun(engine, {
          pipeline: params.pipeline,
          projectId: params.projectId,
          payload: body.payload,
          correlationId: body.correlationId ?? null,
          ...(body.dedupKey !== undefined ? { dedupKey: body.dedupKey } : {}),
          force: body.force,
          ...(body.priority !== undefined ? { priority: body.priority } : {}),
          startAt,
        });
        return started(outcome, { pipeline: params.pipeline, projectId: params.projectId, uid });
      },
    }),
    defineRoute({
      method: "GET",
      path: "/projects/:projectId/runs",
      access: "user",
      params: ProjectParams,
      query: HistoryQuery,
      handle: async ({ params, query, uid }) => {
        const engine = getEngine();
        if (!(await isProjectAdmin(engine.db, params.projectId, uid))) return errorReply("PERMISSION_DENIED", "Only admins of the project may see its runs.");
        return historyPage(params.projectId, query);
      },
    }),
    defineRoute({
      method: "GET",
      path: "/projects/:projectId/dead-letters",
      access: "user",
      params: ProjectParams,
      query: HistoryQuery.omit({ status: true }),
      handle: async ({ params, query, uid }) => {
        const engine = getEngine();
        if (!(await isProjectAdmin(engine.db, params.projectId, uid))) return errorReply("PERMISSION_DENIED", "Only admins of the project may see its dead letters.");
        // A run in the dead letters failed for good: out of retries, not retryable, or past its timeout.
        return historyPage(params.projectId, { ...query, status: "failed" });
      },
    }),
    defineRoute({
      method: "GET",
      path: "/projects/:projectId/pipelines/:pipeline/stats",
      access: "user",
      params: ProjectPipelineParams,
      handle: async ({ params, uid }) => {
        const engine = getEngine();
        if (!(await isProjectAdmin(engine.db, params.projectId, uid))) return errorReply("PERMISSION_DENIED", "Only admins of the project may see its queues.");
        if (!engine.pipeline(params.pipeline)) return errorReply("PIPELINE_NOT_FOUND");
        return ok({ pipeline: params.pipeline, ...(await queueCounts(engine.db, params.projectId, params.pipeline)) });
      },
    }),
    defineRoute({
      method: "POST",
      path: "/projects/:projectId/detector-events",
      access: "user",
      params: z.strictObject({ projectId: DocumentId }),
      body: DetectorEvent,
      handle: async ({ params, body, uid }) => {
        const engine = getEngine();
        if (!(await isProjectAdmin(engine.db, params.projectId, uid))) return errorReply("PERMISSION_DENIED", "Only admins of the project may send its detector events.");
        const started = await startVideoIngest(engine, params.projectId, body);
        logger.info(started.created ? "video.started" : "video.duplicate", { runId: started.runId, messageId: body.message_id, projectId: params.projectId, trigger: "http" });
        const answer = { executionId: started.runId, messageId: body.message_id, status: started.record.status, created: started.created };
        return started.created ? accepted(answer) : ok(answer);
      },
    }),
    defineRoute({
      method: "GET",
      path: "/projects/:projectId/pipeline/by-message/:messageId",
      access: "user",
      params: z.strictObject({ projectId: DocumentId, messageId: DocumentId }),
      handle: async ({ params, uid }) => {
        const runId = videoRunId(params.projectId, params.messageId);
        const found = await adminRun(runId, uid);
        return "reply" in found ? found.reply : runView(runId, found.record);
      },
    }),
    // The engine's runs, and the same under the video spec's name for them: executions.
    ...["/runs", "/pipeline"].flatMap((prefix) => [getRoute(prefix), steerRoute(prefix, "retry", retryRun), steerRoute(prefix, "cancel", cancelRun)]),
    defineRoute({
      method: "POST",
      path: "/runs/:runId/replay",
      access: "user",
      params: RunParams,
      handle: async ({ params, uid }) => {
        const found = await adminRun(params.runId, uid);
        if ("reply" in found) return found.reply;
        const { record } = found;
        if (!getEngine().pipeline(record.pipeline)?.adminSteerable) return errorReply("RUN_STATE_CONFLICT", "Runs of this pipeline are started again by their own trigger, not replayed here.");
        if (record.status === "pending" || record.status === "running") return errorReply("RUN_STATE_CONFLICT", `The run is ${record.status}: only an ended run can be replayed.`);
        // A new run from scratch with the same payload, key and priority; the admin asked for it, so no dedup.
        const outcome = await startRun(getEngine(), { pipeline: record.pipeline, projectId: record.projectId, payload: record.payload, correlationId: record.correlationId, dedupKey: record.dedupKey, priority: record.priority, force: true, replayOf: params.runId });
        return started(outcome, { pipeline: record.pipeline, projectId: record.projectId, uid, replayOf: params.runId });
      },
    }),
  ];
}

/** A run as the history lists it: what it is and how it went, without payload and outputs. */
function summaryOf(record: RunRecord) {
  const { pipeline, status, dedupKey, priority, correlationId, replayOf, progress, error, createdAt, startedAt, finishedAt, expiresAt } = record;
  return toJson({ pipeline, status, dedupKey, priority, correlationId, replayOf, progress, error, createdAt, startedAt, finishedAt, expiresAt }) as Record<string, unknown>;
}

/** Firestore Timestamps as ISO strings; everything else as stored. */
function toJson(value: unknown): unknown {
  if (value && typeof value === "object") {
    if (value instanceof Timestamp) return value.toDate().toISOString();
    if (Array.isArray(value)) return value.map(toJson);
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toJson(v)]));
  }
  return value;
}
