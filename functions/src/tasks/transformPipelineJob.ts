import { onTaskDispatched } from "firebase-functions/tasks";
import { REGION, transformJobTimeoutSeconds } from "../config.js";
import { checkJobTimeout } from "../core/deadlines.js";
import { db } from "../lib/firebase.js";
import { runTransformJob } from "./runTransformJob.js";

export const transformPipelineJob = onTaskDispatched(
  {
    region: REGION,
    // One attempt, no retries (spec: maxAttempts 0 retries): a failed job is
    // recorded and acknowledged; a dead worker is caught by sweepStuckJobs.
    retryConfig: { maxAttempts: 1 },
    rateLimits: { maxConcurrentDispatches: 100 },
    // Above the longest job timeout, so the handler, not the platform, decides TIMEOUT.
    timeoutSeconds: 1800,
    memory: "512MiB",
  },
  async (request) => {
    await runTransformJob(request.data, { db, timeoutSeconds: checkJobTimeout(transformJobTimeoutSeconds.value()) });
  },
);
