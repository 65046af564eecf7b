export { startTransformPipeline } from "./http/startTransformPipeline.js";
export { sweepStuckJobs } from "./scheduled/sweepStuckJobs.js";
export { transformPipelineJob } from "./tasks/transformPipelineJob.js";
