import type { TransformPipelineTask } from "@clementine/shared";
import type { Functions } from "firebase-admin/functions";
import { dispatchDeadlineSeconds } from "../core/deadlines.js";
import { REGION, TRANSFORM_TASK_FUNCTION } from "../config.js";

export type EnqueueTransformTask = (task: TransformPipelineTask, jobTimeoutSeconds: number) => Promise<void>;

/** Enqueues the job's task, named after the job so Cloud Tasks refuses a second one for it. */
export function taskEnqueuer(functions: Functions): EnqueueTransformTask {
  const queue = functions.taskQueue<TransformPipelineTask>(`locations/${REGION}/functions/${TRANSFORM_TASK_FUNCTION}`);
  return (task, jobTimeoutSeconds) =>
    queue.enqueue(task, { id: task.jobId, dispatchDeadlineSeconds: dispatchDeadlineSeconds(jobTimeoutSeconds) });
}
