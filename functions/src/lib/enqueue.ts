import type { TransformPipelineTask } from "@clementine/shared";
import type { Functions } from "firebase-admin/functions";
import { dispatchDeadlineSeconds } from "../core/deadlines.js";
import { REGION, TRANSFORM_TASK_FUNCTION } from "../config.js";

export type EnqueueTransformTask = (task: TransformPipelineTask, jobTimeoutSeconds: number) => Promise<void>;

/**
 * Enqueues the job's task, named after the job: a second enqueue of the same
 * job (a retried request) is refused by Cloud Tasks and counts as done.
 */
export function taskEnqueuer(functions: Functions): EnqueueTransformTask {
  const queue = functions.taskQueue<TransformPipelineTask>(`locations/${REGION}/functions/${TRANSFORM_TASK_FUNCTION}`);
  return async (task, jobTimeoutSeconds) => {
    try {
      await queue.enqueue(task, { id: task.jobId, dispatchDeadlineSeconds: dispatchDeadlineSeconds(jobTimeoutSeconds) });
    } catch (error) {
      if ((error as { code?: string }).code === "functions/task-already-exists") return;
      throw error;
    }
  };
}
