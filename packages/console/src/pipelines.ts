/** Every pipeline the engine runs, for the console's filters (functions/src/pipelines/registry.test.ts keeps it true). */
export const PIPELINES = ["demo-task", "transform", "video-ingest", "ai-processing"] as const;
