import type { JobError, JobErrorCode } from "@clementine/shared";

/** The only failure texts a guest ever sees. Technical detail stays in `detail` and the logs. */
export const CLIENT_MESSAGES: Record<JobErrorCode, string> = {
  NODE_FAILED: "We couldn't finish processing your content. Please try again.",
  TIMEOUT: "Processing took too long and was stopped. Please try again.",
  ENQUEUE_FAILED: "We couldn't start processing your content. Please try again.",
  INTERNAL: "Something went wrong while processing your content. Please try again.",
};

export function jobError(code: JobErrorCode, detail: string, nodeId: string | null = null): JobError {
  return { code, message: CLIENT_MESSAGES[code], detail, nodeId };
}

/** Full technical text of anything thrown: for admins and logs, never for guests. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return error.stack ?? `${error.name}: ${error.message}`;
  return typeof error === "string" ? error : JSON.stringify(error);
}
