import type { Firestore } from "firebase-admin/firestore";
import type { AnyPipeline } from "../engine/engine.js";
import { demoTask } from "./demoTask.js";
import { transformPipeline } from "./transform.js";
import { videoIngest } from "./videoIngest.js";

/** Every pipeline the engine runs. Adding one is a file in this folder and a line here. */
export function pipelines({ db, transformTimeoutSeconds }: { db: Firestore; transformTimeoutSeconds: number }): AnyPipeline[] {
  return [demoTask, transformPipeline({ db, timeoutSeconds: transformTimeoutSeconds }), videoIngest];
}
