import { DetectorEvent, DocumentId, RunEvent, RunRecord, StartRunRequest } from "@clementine/shared";
import { Timestamp, type Firestore } from "firebase-admin/firestore";
import { logger } from "firebase-functions";
import { z } from "zod";
import { startRun } from "../engine/createRun.js";
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
      params: z.strictObject({ projectId: DocumentId, pipeline: DocumentId }),
      body: StartRunRequest,
      handle: async ({ params, body, uid }) => {
        const engine = getEngine();
        if (!(await isProjectAdmin(engine.db, params.projectId, uid))) return errorReply("PERMISSION_DENIED", "Only admins of the project may start runs.");
        // A pipeline with its own trigger is not startable here: as far as this API knows, it does not exist.
        if (!engine.pipeline(params.pipeline)?.adminSteerable) return errorReply("PIPELINE_NOT_FOUND");
        const outcome = await startRun(engine, { pipeline: params.pipeline, projectId: params.projectId, payload: body.payload, correlationId: body.correlationId ?? null });
        switch (outcome.kind) {
          case "ready":
            logger.info("run.created", { runId: outcome.ref.id, pipeline: params.pipeline, projectId: params.projectId, uid });
            return accepted({ runId: outcome.ref.id });
          case "existing": // only for a run id the caller chose; this route lets the engine choose
            return ok({ runId: outcome.ref.id });
          case "unknown-pipeline":
            return errorReply("PIPELINE_NOT_FOUND");
          case "invalid-payload":
            return errorReply("INVALID_REQUEST", describeIssues(outcome.issues, "payload").replace(/^(?!payload)/, "payload."));
          default:
            return outcome satisfies never;
        }
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
  ];
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
