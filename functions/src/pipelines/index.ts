import type { Firestore } from "firebase-admin/firestore";
import type { AnyPipeline } from "../engine/engine.js";
import { aiProcessing, type AiProcessingConfig } from "./aiProcessing.js";
import { demoTask } from "./demoTask.js";
import { transformPipeline } from "./transform.js";
import { videoIngest } from "./videoIngest.js";

/** Every pipeline the engine runs. Adding one is a file in this folder and a line here. */
export function pipelines({ db, transformTimeoutSeconds, assets }: { db: Firestore; transformTimeoutSeconds: number; assets: Omit<AiProcessingConfig, "db"> }): AnyPipeline[] {
  return [demoTask, transformPipeline({ db, timeoutSeconds: transformTimeoutSeconds }), videoIngest, aiProcessing({ db, ...assets }), ...benchOnly()];
}

/**
 * The benchmark's project (functions/.env.demo-clementine-bench) also runs the
 * demo task with no concurrency limit, to measure what the limit costs.
 */
function benchOnly(): AnyPipeline[] {
  if (process.env.CLEMENTINE_BENCH_PIPELINES !== "1") return [];
  return [{ ...demoTask, definition: { ...demoTask.definition, name: "demo-task-unlimited" }, concurrency: null, dedupKey: undefined }];
}
