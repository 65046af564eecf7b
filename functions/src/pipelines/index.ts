import type { AnyPipeline } from "../engine/engine.js";
import { demoTask } from "./demoTask.js";

/** Every pipeline the engine runs. Adding one is a file in this folder and a line here. */
export const PIPELINES: readonly AnyPipeline[] = [demoTask];
