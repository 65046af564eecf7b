import { defineInt, defineString } from "firebase-functions/params";

/** The admin project the AI queue's runs belong to: its admins see them in the console and the admin API. */
export const ASSETS_PROJECT_ID = "assets";

export const aiServiceUrl = defineString("AI_SERVICE_URL", {
  description: "The external AI service's base URL; the pipeline calls POST {AI_SERVICE_URL}/v1/analyze.",
});
export const aiServiceTimeoutSeconds = defineInt("AI_SERVICE_TIMEOUT_SECONDS", {
  default: 30,
  description: "How long one call of the AI service may take before it is abandoned and retried.",
});
export const aiRetryBaseMs = defineInt("AI_RETRY_BASE_MS", {
  default: 10_000,
  description: "The AI queue's backoff: the second attempt waits this long, the third twice as long (ms).",
});
export const aiConcurrency = defineInt("AI_CONCURRENCY", {
  default: 10,
  description: "At most this many assets are analysed at once; the rest wait in submission order.",
});
