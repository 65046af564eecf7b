export { api } from "./http/api.js";
export { startTransformPipeline } from "./http/startTransformPipeline.js";
export { sweepRuns } from "./scheduled/sweepRuns.js";
export { pipelineRun } from "./tasks/pipelineRun.js";
export { detectorEvents } from "./pubsub/detectorEvents.js";
export { cleanupRuns, recordMetrics } from "./scheduled/history.js";
