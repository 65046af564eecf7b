import { DemoTaskPayload } from "@clementine/shared";
import { definePipeline, NonRetryableError, type RetryPolicy, type StepContext, type StepSpec } from "@clementine/pipeline";
import { setTimeout } from "node:timers/promises";
import { z } from "zod";
import { DEFAULT_CONCURRENCY, pipeline } from "../engine/engine.js";

const MINUTE = 60_000;
/** Spec FR-005: five retries over about a day, then permanently failed. */
export const DEMO_RETRY: RetryPolicy = { maxAttempts: 6, delaysMs: [5 * MINUTE, 15 * MINUTE, 60 * MINUTE, 240 * MINUTE, 840 * MINUTE] };

type Ctx = StepContext<DemoTaskPayload>;

/** The rate limit simulate-api-call consumes, as a real call to a downstream API would (spec FR-008). */
export const DEMO_API_LIMIT = "demo-api";

/** Throws as the payload asks when `step` is the one to fail. */
function maybeFail(step: string, { payload, attempt, data }: Ctx) {
  if (!payload.simulateFailure || payload.failAtStep !== step) return;
  if (payload.failure === "permanent") throw new NonRetryableError(`simulated permanent failure in ${step}`);
  if (payload.failForMs !== undefined) {
    // initialize's output is memoized: the outage's end is fixed once, whoever runs the step later.
    const since = typeof data.initializedAt === "number" ? data.initializedAt : Date.now();
    if (Date.now() < since + payload.failForMs) throw new Error(`simulated outage in ${step} (attempt ${attempt}, ${since + payload.failForMs - Date.now()} ms left)`);
    return;
  }
  if (payload.failTimes === undefined || attempt <= payload.failTimes) throw new Error(`simulated transient failure in ${step} (attempt ${attempt})`);
}

function work(name: string, dependsOn: string[], output: z.ZodType<Record<string, unknown>>, body: (ctx: Ctx) => Record<string, unknown> | Promise<Record<string, unknown>>, rateLimit?: { name: string }): StepSpec<DemoTaskPayload> {
  return {
    name,
    dependsOn,
    output,
    ...(rateLimit ? { rateLimit } : {}),
    run: (ctx) => {
      maybeFail(name, ctx);
      return Promise.resolve(body(ctx));
    },
  };
}

/** Built once (a schema compiles on first use); each payload only picks the retry policy. */
const STEPS: StepSpec<DemoTaskPayload>[] = [
  work("initialize", [], z.object({ taskId: z.string(), initializedAt: z.int() }), ({ runId, payload }) => ({ taskId: payload.taskId ?? runId, initializedAt: Date.now() })),
  work("process", ["initialize"], z.object({ processedItems: z.int() }), () => ({ processedItems: 42 })),
  { kind: "sleep", name: "simulate-delay", dependsOn: ["process"], durationMs: ({ payload }) => payload.delayMs },
  work("simulate-api-call", ["simulate-delay"], z.object({ apiStatus: z.int() }), async ({ payload, signal }) => {
    if (payload.apiLatencyMs > 0) await setTimeout(payload.apiLatencyMs, undefined, { signal });
    return { apiStatus: 200 };
  }, { name: DEMO_API_LIMIT }),
  work("finalize", ["simulate-api-call"], z.object({ summary: z.string() }), ({ data }) => ({ summary: `${String(data.processedItems)} items processed; the API answered ${String(data.apiStatus)}` })),
];

/**
 * The background-task-queue spec's demo task: five steps that prove durable
 * execution (memoized steps, retries on a schedule, a durable sleep) with no
 * business logic. No real work happens; each step returns a small output.
 */
export const demoTask = pipeline(
  definePipeline({
    name: "demo-task",
    payload: DemoTaskPayload,
    retry: DEMO_RETRY,
    timeoutSeconds: 2 * 24 * 3600,
    steps: (payload) => {
      const retry: RetryPolicy = payload.retryDelaysMs ? { maxAttempts: payload.retryDelaysMs.length + 1, delaysMs: payload.retryDelaysMs } : DEMO_RETRY;
      return STEPS.map((step) => (step.kind === "sleep" ? step : { ...step, retry }));
    },
  }),
  {
    // Spec FR-014: one live task per taskId unless the start says `force`.
    dedupKey: (payload) => payload.taskId,
    // Spec FR-018: ten at once.
    concurrency: { limit: DEFAULT_CONCURRENCY },
  },
);
