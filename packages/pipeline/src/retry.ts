import { z } from "zod";

const Millis = z.int().min(0).max(30 * 24 * 3600 * 1000);

/**
 * How often a step may run and how long to wait between attempts, as data.
 * `maxAttempts` counts the first run: 6 means one run and five retries.
 */
export const RetryPolicy = z.union([
  z.strictObject({
    maxAttempts: z.int().min(1).max(100),
    /** Wait before retry k is `delaysMs[k-1]`; past the end, the last delay repeats. */
    delaysMs: z.array(Millis).min(1),
  }),
  z.strictObject({
    maxAttempts: z.int().min(1).max(100),
    /** Wait before retry k is `initialMs · factor^(k-1)`, at most `maxMs`. */
    backoff: z.strictObject({ initialMs: Millis, factor: z.number().min(1).max(10).default(2), maxMs: Millis }),
  }),
]);
export type RetryPolicy = z.infer<typeof RetryPolicy>;

/** One attempt, no retries: a failure fails the step (and the run) at once. */
export const NO_RETRIES: RetryPolicy = { maxAttempts: 1, delaysMs: [0] };

/** How long to wait after failed attempt `attempt` (1-based) before the next one. */
export function retryDelayMs(policy: RetryPolicy, attempt: number): number {
  if ("delaysMs" in policy) return policy.delaysMs[Math.min(attempt, policy.delaysMs.length) - 1]!;
  const { initialMs, factor, maxMs } = policy.backoff;
  return Math.min(maxMs, Math.round(initialMs * factor ** (attempt - 1)));
}

export type RetryDecision = { retry: true; delayMs: number } | { retry: false; reason: "non-retryable" | "exhausted" };

/** After failed attempt `attempt` (1-based): try again, and when, or give up. */
export function decideRetry(policy: RetryPolicy, attempt: number, retryable: boolean): RetryDecision {
  if (!retryable) return { retry: false, reason: "non-retryable" };
  if (attempt >= policy.maxAttempts) return { retry: false, reason: "exhausted" };
  return { retry: true, delayMs: retryDelayMs(policy, attempt) };
}
