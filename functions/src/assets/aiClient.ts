import { AiErrorBody, AssetMetadata, type AiAnalyzeRequest, type AssetError } from "@clementine/shared";
import { NonRetryableError } from "@clementine/pipeline";

/** What the owner is told, by the AI service's code; anything else the service refuses gets the last line. */
const USER_MESSAGES: Record<string, string> = {
  IMAGE_UNREADABLE: "We couldn't read this image. Please upload a clear photo as a JPEG, PNG, GIF or WebP file.",
  IMAGE_UNREACHABLE: "We couldn't load your image for analysis. Please upload it again.",
};
const REFUSED = "This image could not be analysed. Please try another photo.";
/** For a run that ran out of retries on transient failures. */
export const AI_UNAVAILABLE: AssetError = { code: "AI_UNAVAILABLE", message: "Our image analysis is unavailable right now. Please try again later." };

/** The AI service refused the image for good (a 4xx): not retried; `publicError` is what the owner sees. */
export class ImageRejectedError extends NonRetryableError {
  override name = "ImageRejectedError";
  constructor(
    readonly publicError: AssetError,
    detail: string,
  ) {
    super(detail);
  }
}

/** A timeout, a 5xx, a dropped connection or a reply off the contract: retried; should the retries run out, the owner is told AI_UNAVAILABLE. */
export class AiServiceError extends Error {
  override name = "AiServiceError";
  readonly publicError = AI_UNAVAILABLE;
}

/**
 * One call of the AI service's `POST /v1/analyze`, classified: metadata on a
 * 200 that keeps the contract; ImageRejectedError on a 4xx; AiServiceError
 * on anything transient. `runId` goes along as the call's idempotency key.
 */
export async function analyzeImage(serviceUrl: string, request: AiAnalyzeRequest, { timeoutMs, runId, signal }: { timeoutMs: number; runId: string; signal?: AbortSignal }): Promise<AssetMetadata> {
  const timeout = AbortSignal.timeout(timeoutMs);
  let res: Response;
  try {
    res = await fetch(`${serviceUrl.replace(/\/$/, "")}/v1/analyze`, {
      method: "POST",
      headers: { "content-type": "application/json", "idempotency-key": runId },
      body: JSON.stringify(request),
      signal: signal ? AbortSignal.any([timeout, signal]) : timeout,
    });
  } catch (error) {
    throw new AiServiceError(timeout.aborted ? `the AI service did not answer within ${timeoutMs} ms` : `the AI service could not be reached: ${String((error as Error).cause ?? error)}`);
  }
  const text = await res.text().catch(() => "");
  const body = parseJson(text);
  if (res.status >= 400 && res.status < 500 && res.status !== 408 && res.status !== 429) {
    const error = AiErrorBody.safeParse(body);
    const code = error.success ? error.data.error.code : `HTTP_${res.status}`;
    throw new ImageRejectedError({ code, message: USER_MESSAGES[code] ?? REFUSED }, `the AI service refused the image: ${res.status} ${code}${error.success ? `: ${error.data.error.message}` : ""}`);
  }
  if (!res.ok) throw new AiServiceError(`the AI service answered ${res.status}: ${text.slice(0, 200)}`);
  const metadata = AssetMetadata.safeParse(body);
  if (!metadata.success) throw new AiServiceError(`the AI service's reply is off its contract: ${metadata.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ").slice(0, 300)}`);
  return metadata.data;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}
