import { API_ERROR_STATUS, type ApiErrorBody, type ApiErrorCode } from "@clementine/shared";

const MESSAGES: Record<ApiErrorCode, string> = {
  INVALID_REQUEST: "The request is invalid.",
  UNAUTHENTICATED: "Sign in to start a transform.",
  PERMISSION_DENIED: "This session belongs to another guest.",
  SESSION_NOT_FOUND: "No such session.",
  TRANSFORM_NOT_FOUND: "This experience has no transform configured.",
  METHOD_NOT_ALLOWED: "Only POST is supported.",
  JOB_IN_PROGRESS: "A transform is already in progress for this session.",
  TRANSFORM_INVALID: "This experience's transform configuration is invalid.",
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
