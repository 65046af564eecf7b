import { z } from "zod";
import { StoredText } from "./ids.js";

/** The demo task's steps, in order (background-task-queue spec). */
export const DEMO_TASK_STEPS = ["initialize", "process", "simulate-delay", "simulate-api-call", "finalize"] as const;

const MINUTE = 60_000;

/** What starts a demo task: every knob the spec's failure scenarios need. */
export const DemoTaskPayload = z.strictObject({
  /** The caller's id for the task (a track id, later the dedup key). */
  taskId: StoredText.min(1).max(200).optional(),
  /** Make a step fail. */
  simulateFailure: z.boolean().default(false),
  /** Which step fails. */
  failAtStep: z.enum(DEMO_TASK_STEPS).default("simulate-api-call"),
  /** `transient` failures are retried on the schedule; `permanent` ones fail the run at once. */
  failure: z.enum(["transient", "permanent"]).default("transient"),
  /** A transient failure clears after this many failed attempts; absent, it never clears and the run fails once its retries are spent. */
  failTimes: z.int().min(1).max(100).optional(),
  /** A downstream outage instead of a count: the transient failure lasts this long after the task initialized, however many attempts (or retries from failure) come. */
  failForMs: z.int().min(1).max(24 * 60 * MINUTE).optional(),
  /** How long simulate-delay sleeps (durably: no instance waits). */
  delayMs: z.int().min(0).max(24 * 60 * MINUTE).default(1000),
  /** How long simulate-api-call's call takes: the run holds its concurrency slot meanwhile, as with a slow downstream API. */
  apiLatencyMs: z.int().min(0).max(30_000).default(0),
  /** Override of the retry schedule (the spec's 5 min, 15 min, 1 h, 4 h, 14 h), e.g. to run it in seconds. */
  retryDelaysMs: z.array(z.int().min(0).max(24 * 60 * MINUTE)).min(1).max(20).optional(),
}).refine((p) => p.failForMs === undefined || p.failAtStep !== "initialize", { message: "an outage is timed from initialize: fail a later step", path: ["failForMs"] });
export type DemoTaskPayload = z.infer<typeof DemoTaskPayload>;
