import type { StepGraph } from "./definition.js";
import type { RunStatus } from "@clementine/shared";
import { isTerminal, stepIn, type StepState } from "./state.js";

export type NextMove =
  /** Start these steps now: their dependencies completed and they are pending or due. */
  | { kind: "run"; steps: string[] }
  /** Steps are executing in this invocation and nothing else can start: wait for one to finish. */
  | { kind: "busy" }
  /** Nothing can run before `until` (a retry or a sleep): park the run. */
  | { kind: "wait"; until: number }
  | { kind: "completed" }
  | { kind: "failed"; step: string };

/**
 * What a run should do next, from its steps' states alone. A step stored as
 * `running` that is not executing here was left by an invocation that died:
 * it is due again.
 */
export function nextMove<P>(graph: StepGraph<P>, steps: Readonly<Record<string, StepState>>, now: number, inFlight: ReadonlySet<string> = new Set()): NextMove {
  const failed = graph.steps.find((s) => stepIn(steps, s.name).status === "failed");
  if (failed) return { kind: "failed", step: failed.name };
  if (graph.steps.every((s) => stepIn(steps, s.name).status === "completed")) return { kind: "completed" };

  const ready = graph.steps.filter((spec) => {
    if (inFlight.has(spec.name)) return false;
    const step = stepIn(steps, spec.name);
    const due = step.status === "pending" || step.status === "running" || (step.status === "waiting" && (step.wakeAt ?? 0) <= now);
    return due && (spec.dependsOn ?? []).every((dep) => stepIn(steps, dep).status === "completed");
  });
  if (ready.length > 0) return { kind: "run", steps: ready.map((s) => s.name) };
  if (inFlight.size > 0) return { kind: "busy" };

  const wakeTimes = graph.steps.flatMap((s) => {
    const step = stepIn(steps, s.name);
    return step.status === "waiting" && step.wakeAt !== null ? [step.wakeAt] : [];
  });
  if (wakeTimes.length === 0) throw new Error("no step can run, none is waiting, and the run is not done: the step graph is inconsistent");
  return { kind: "wait", until: Math.min(...wakeTimes) };
}

export interface Lease {
  holder: string;
  expiresAt: number;
}

export type TakeDecision = { take: true } | { take: false; reason: "ended" | "held" | "early" };

/**
 * Whether a delivery may take the run's lease. Deliveries are only wake-up
 * calls: a duplicate, a late one, or one that comes before a retry is due
 * (the Tasks emulator ignores schedule times) changes nothing.
 */
export function decideTake<P>(
  run: { status: RunStatus; lease: Lease | null; steps: Readonly<Record<string, StepState>>; deadlineAt?: number | null; startAt?: number | null },
  graph: StepGraph<P>,
  now: number,
): TakeDecision {
  if (isTerminal(run.status)) return { take: false, reason: "ended" };
  if (run.lease && run.lease.expiresAt > now) return { take: false, reason: "held" };
  // A delayed start: not a moment early.
  if (run.status === "pending") return run.startAt != null && run.startAt > now ? { take: false, reason: "early" } : { take: true };
  // Past its timeout the run must be taken to be failed, even while a retry is not yet due.
  if (run.deadlineAt != null && run.deadlineAt <= now) return { take: true };
  const move = nextMove(graph, run.steps, now);
  return move.kind === "wait" ? { take: false, reason: "early" } : { take: true };
}

export interface Progress {
  completedSteps: number;
  totalSteps: number;
  /** 0–100, whole numbers. */
  percentage: number;
}

/** Completed steps of the current graph (a removed step no longer counts). */
export function progressOf<P>(graph: StepGraph<P>, steps: Readonly<Record<string, StepState>>): Progress {
  const totalSteps = graph.steps.length;
  const completedSteps = graph.steps.filter((s) => stepIn(steps, s.name).status === "completed").length;
  return { completedSteps, totalSteps, percentage: Math.floor((completedSteps * 100) / totalSteps) };
}

/** The trigger payload with every completed step's output merged in, in step order. */
export function executionDataOf<P>(graph: StepGraph<P>, payload: unknown, steps: Readonly<Record<string, StepState>>): Record<string, unknown> {
  const data: Record<string, unknown> = isRecord(payload) ? { ...payload } : {};
  for (const spec of graph.steps) {
    const step = stepIn(steps, spec.name);
    if (step.status === "completed" && isRecord(step.output)) Object.assign(data, step.output);
  }
  return data;
}

/** The outputs of a step's dependencies, by name. */
export function needsOf<P>(graph: StepGraph<P>, name: string, steps: Readonly<Record<string, StepState>>): Record<string, unknown> {
  return Object.fromEntries((graph.byName.get(name)?.dependsOn ?? []).map((dep) => [dep, stepIn(steps, dep).output]));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
