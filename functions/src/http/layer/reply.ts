import { API_ERROR_STATUS, type ApiErrorBody, type ApiErrorCode } from "@clementine/shared";

/** The fixed text of each code. Endpoints may say more only in words of their own (never an exception's text). */
const MESSAGES: Record<ApiErrorCode, string> = {
  INVALID_REQUEST: "The request is invalid.",
  UNAUTHENTICATED: "Sign in first: send a Firebase ID token as 'Authorization: Bearer <token>'.",
  PERMISSION_DENIED: "You may not do this.",
  NOT_FOUND: "There is no such endpoint.",
  PIPELINE_NOT_FOUND: "There is no pipeline of that name.",
  RUN_NOT_FOUND: "There is no run with that id.",
  SESSION_NOT_FOUND: "No such session.",
  ASSET_NOT_FOUND: "You have no asset with that id.",
  TRANSFORM_NOT_FOUND: "This experience has no transform configured.",
  METHOD_NOT_ALLOWED: "This method is not supported here.",
  JOB_IN_PROGRESS: "A transform is already in progress for this session.",
  JOB_COMPLETED: "This session's transform has already completed.",
  RUN_STATE_CONFLICT: "The run is not in a state that allows this.",
  PAYLOAD_TOO_LARGE: "The request body is too large.",
  UNSUPPORTED_MEDIA_TYPE: "Send the body as JSON, with 'Content-Type: application/json'.",
  TRANSFORM_INVALID: "This experience's transform configuration is invalid.",
  IDEMPOTENCY_KEY_REUSED: "This Idempotency-Key was already used for another request.",
  INTERNAL: "Something went wrong. Please try again.",
};

export interface HttpReply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

/**
 * The only way an error reaches a client: a code and a fixed, safe message.
 * `message` may replace the fixed text only with text we wrote ourselves
 * (e.g. which request field is wrong), never with an exception's text.
 */
export function errorReply(code: ApiErrorCode, message = MESSAGES[code], headers?: Record<string, string>): HttpReply {
  const body: ApiErrorBody = { error: { code, message } };
  return { status: API_ERROR_STATUS[code], body, ...(headers ? { headers } : {}) };
}

export const accepted = (body: unknown): HttpReply => ({ status: 202, body });
export const ok = (body: unknown): HttpReply => ({ status: 200, body });
