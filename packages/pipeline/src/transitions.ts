import { decideRetry, type RetryDecision, type RetryPolicy } from "./retry.js";
import type { StepState } from "./state.js";

/** A step's state changes, as pure functions: the binding stores what they return. */

export const startAttempt = (step: StepState, now: number): StepState => ({
  ...step,
  status: "running",
  attempts: step.attempts + 1,
  error: null,
  wakeAt: null,
  startedAt: step.startedAt ?? now,
  progress: null,
});

/** Refused by its rate limit: it waits until the window has room, and no attempt is counted. */
export const throttleStep = (step: StepState, until: number): StepState => ({ ...step, status: "waiting", wakeAt: until });

/** What an executing step reported of its progress. */
export const reportProgress = (step: StepState, done: number, total: number): StepState => ({ ...step, progress: { done, total } });

export const completeStep = (step: StepState, output: Record<string, unknown>, now: number): StepState => ({
  ...step,
  status: "completed",
  output,
  error: null,
  wakeAt: null,
  finishedAt: now,
});

/** A failed attempt: waiting for the next one, or failed for good. */
export function failAttempt(
  step: StepState,
  error: { message: string; detail: string },
  policy: RetryPolicy,
  retryable: boolean,
  now: number,
): { step: StepState; decision: RetryDecision } {
  const decision = decideRetry(policy, step.attempts, retryable);
  const next: StepState = decision.retry
    ? { ...step, status: "waiting", error, wakeAt: now + decision.delayMs }
    : { ...step, status: "failed", error, wakeAt: null, finishedAt: now };
  return { step: next, decision };
}

export const startSleep = (step: StepState, durationMs: number, now: number): StepState => ({
  ...step,
  status: "waiting",
  wakeAt: now + Math.max(0, durationMs),
  startedAt: now,
});

export const finishSleep = (step: StepState, now: number): StepState => completeStep(step, { sleptUntil: new Date(step.wakeAt ?? now).toISOString() }, now);

/** Retry from the point of failure: failed steps become pending with fresh attempts; completed ones keep their output. */
export const resetFailed = (step: StepState): StepState =>
  step.status === "failed" ? { ...step, status: "pending", attempts: 0, error: null, wakeAt: null, finishedAt: null } : step;
