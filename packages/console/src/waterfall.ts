import type { Stamp } from "./format.js";

/** What the waterfall needs of an event and a step (as stored). */
export interface EventLike {
  seq: number;
  type: string;
  step: string | null;
  at: Stamp;
  retryAt: Stamp | null;
}
export interface StepLike {
  status: string;
  startedAt: Stamp | null;
}

export type SegmentKind = "completed" | "failed" | "running" | "waiting" | "throttled" | "sleeping";
export interface Segment {
  step: string;
  kind: SegmentKind;
  from: number;
  to: number;
}

/**
 * A run's steps on a time axis, from its durable record alone: each attempt
 * (from its start to the event that ended it), each wait between attempts
 * (a retry's backoff, a rate limit's window), each durable sleep, and the
 * attempt still executing. An attempt after a wait starts when the wait was
 * due: the log does not record the moment a delivery picked it up.
 */
export function waterfall(steps: Record<string, StepLike>, events: readonly EventLike[], now: number): Segment[] {
  const segments: Segment[] = [];
  const attemptStart = new Map<string, number>();
  for (const [name, step] of Object.entries(steps)) if (step.startedAt) attemptStart.set(name, step.startedAt.toMillis());
  let previous: number | null = null;
  let retriedAt = 0;
  const startOf = (step: string, fallback: number) => Math.max(attemptStart.get(step) ?? previous ?? fallback, retriedAt);
  for (const event of [...events].sort((a, b) => a.seq - b.seq)) {
    const at = event.at.toMillis();
    const step = event.step;
    const due = event.retryAt?.toMillis() ?? at;
    if (event.type === "pipeline:retried") retriedAt = at;
    if (step) {
      switch (event.type) {
        case "pipeline:step_failed":
          segments.push({ step, kind: "failed", from: startOf(step, at), to: at });
          attemptStart.delete(step);
          break;
        case "pipeline:retry_scheduled":
          segments.push({ step, kind: "waiting", from: at, to: due });
          attemptStart.set(step, due);
          break;
        case "pipeline:step_throttled":
          segments.push({ step, kind: "throttled", from: at, to: due });
          attemptStart.set(step, due);
          break;
        case "pipeline:step_sleeping":
          segments.push({ step, kind: "sleeping", from: at, to: due });
          attemptStart.set(step, Number.POSITIVE_INFINITY); // a sleep's completion is not an attempt
          break;
        case "pipeline:step_completed":
          if (attemptStart.get(step) !== Number.POSITIVE_INFINITY) segments.push({ step, kind: "completed", from: startOf(step, at), to: at });
          attemptStart.delete(step);
          break;
        default:
          break;
      }
    }
    previous = at;
  }
  for (const [name, step] of Object.entries(steps)) {
    if (step.status === "running") segments.push({ step: name, kind: "running", from: startOf(name, now), to: now });
  }
  return segments;
}
