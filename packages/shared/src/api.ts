import { z } from "zod";
import { DocumentId, StoredText } from "./ids.js";
import { RunPriority } from "./run.js";

/** POST body of startTransformPipeline. */
export const StartTransformPipelineRequest = z.strictObject({
  projectId: DocumentId,
  sessionId: DocumentId,
  stepId: DocumentId,
});
export type StartTransformPipelineRequest = z.infer<typeof StartTransformPipelineRequest>;

export const StartTransformPipelineResponse = z.object({ jobId: z.string() });
export type StartTransformPipelineResponse = z.infer<typeof StartTransformPipelineResponse>;

export const ApiErrorCode = z.enum([
  /** 400: the body or a path parameter failed its schema; the message names the field. */
  "INVALID_REQUEST",
  /** 401: no ID token, or one that does not verify. */
  "UNAUTHENTICATED",
  /** 403: the session belongs to another guest. */
  "PERMISSION_DENIED",
  /** 404: no such endpoint (the path matches no route). */
  "NOT_FOUND",
  /** 404: no pipeline of that name. */
  "PIPELINE_NOT_FOUND",
  /** 404: no run with that id. */
  "RUN_NOT_FOUND",
  /** 404: the signed-in user has no asset with that id. */
  "ASSET_NOT_FOUND",
  /** 404: no such session in that project. */
  "SESSION_NOT_FOUND",
  /** 404: the session's experience is gone or has no transform nodes. */
  "TRANSFORM_NOT_FOUND",
  /** 405: the path exists but not with this method; the `Allow` header lists those that do. */
  "METHOD_NOT_ALLOWED",
  /** 409: the session already has a pending or running job; the answer carries its `jobId`. */
  "JOB_IN_PROGRESS",
  /** 409: the session's job already completed (one job per session); the answer carries its `jobId`. */
  "JOB_COMPLETED",
  /** 409: the run is not in a state that allows this (retry needs failed; cancel needs pending or running); the message says its state. */
  "RUN_STATE_CONFLICT",
  /** 413: the body is larger than the endpoint accepts; the message says the limit. */
  "PAYLOAD_TOO_LARGE",
  /** 415: a JSON endpoint was sent something other than `application/json`. */
  "UNSUPPORTED_MEDIA_TYPE",
  /** 422: the experience's transform configuration is malformed. */
  "TRANSFORM_INVALID",
  /** 422: this Idempotency-Key started a job for another request (another session or step) within the last 24 h. */
  "IDEMPOTENCY_KEY_REUSED",
  /** 500: anything else; the detail is in the logs (and the job, if one exists). */
  "INTERNAL",
]);
export type ApiErrorCode = z.infer<typeof ApiErrorCode>;

export const API_ERROR_STATUS: Record<ApiErrorCode, number> = {
  INVALID_REQUEST: 400,
  UNAUTHENTICATED: 401,
  PERMISSION_DENIED: 403,
  NOT_FOUND: 404,
  PIPELINE_NOT_FOUND: 404,
  RUN_NOT_FOUND: 404,
  SESSION_NOT_FOUND: 404,
  ASSET_NOT_FOUND: 404,
  TRANSFORM_NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  JOB_IN_PROGRESS: 409,
  JOB_COMPLETED: 409,
  RUN_STATE_CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  TRANSFORM_INVALID: 422,
  IDEMPOTENCY_KEY_REUSED: 422,
  INTERNAL: 500,
};

/** POST body that starts a run of a pipeline. */
export const StartRunRequest = z.strictObject({
  /** Checked against the pipeline's own payload schema. */
  payload: z.record(z.string(), z.unknown()).default({}),
  /** An id the caller knows the run by, e.g. a detector's message id. */
  correlationId: StoredText.min(1).max(200).optional(),
  /** While a run with this key is pending or running, this start returns it instead (default: the pipeline's own key, e.g. the demo task's `taskId`). */
  dedupKey: StoredText.min(1).max(200).optional(),
  /** Start a new run even if one with the same dedup key is pending or running. */
  force: z.boolean().default(false),
  /** Higher starts first when the pipeline's runs wait for a slot (-100 to 100, default 0). */
  priority: RunPriority.optional(),
  /** Start no earlier than this many milliseconds from now (at most 30 days). */
  delayMs: z.int().min(0).max(30 * 24 * 3600 * 1000).optional(),
  /** Start no earlier than this time (ISO 8601); not with `delayMs`. */
  startAt: z.iso.datetime({ offset: true }).optional(),
}).refine((body) => body.delayMs === undefined || body.startAt === undefined, { message: "give delayMs or startAt, not both", path: ["startAt"] });
export type StartRunRequest = z.infer<typeof StartRunRequest>;

/** What a start answers: the run, and whether this request created it or found it by its dedup key. */
export const StartRunResponse = z.object({ runId: z.string(), deduplicated: z.boolean() });
export type StartRunResponse = z.infer<typeof StartRunResponse>;

export const ApiErrorBody = z.object({ error: z.object({ code: ApiErrorCode, message: z.string() }) });
export type ApiErrorBody = z.infer<typeof ApiErrorBody>;
