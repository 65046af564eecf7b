import type { Functions } from "firebase-admin/functions";
import { createHash } from "node:crypto";
import type { RunTask } from "@clementine/shared";
import type { EnqueueRun } from "./engine.js";

/**
 * Wake-up calls go to one task queue for every pipeline. Task names are
 * hashed (Cloud Tasks spreads sequential names badly) and deterministic, so
 * enqueuing the same call twice is refused instead of delivered twice.
 */
export function runEnqueuer(functions: Functions, queueFunction: string, dispatchDeadlineSeconds: number): EnqueueRun {
  const queue = functions.taskQueue<RunTask>(queueFunction);
  return (task, { id, at }) =>
    queue.enqueue(task, {
      id: createHash("sha256").update(id).digest("hex").slice(0, 40),
      dispatchDeadlineSeconds,
      ...(at !== null ? { scheduleTime: new Date(at) } : {}),
    });
}
