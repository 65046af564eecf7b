import { TERMINAL_RUN_STATUSES, type RunStatus, type StepStatus } from "@clementine/shared";

export const isTerminal = (status: RunStatus) => TERMINAL_RUN_STATUSES.includes(status);

/** What the engine decides with: a step as stored, times in epoch milliseconds. */
export interface StepState {
  status: StepStatus;
  /** Attempts started so far (a sleep step counts none). */
  attempts: number;
  output: unknown;
  error: { message: string; detail: string } | null;
  /** While `waiting`: when it may run (retry) or completes (sleep). */
  wakeAt: number | null;
  startedAt: number | null;
  finishedAt: number | null;
  /** The latest progress the executing (or last) attempt reported. */
  progress: { done: number; total: number } | null;
}

export const newStep = (): StepState => ({
  status: "pending",
  attempts: 0,
  output: null,
  error: null,
  wakeAt: null,
  startedAt: null,
  finishedAt: null,
  progress: null,
});

/** A step's state in a run; a step added to the pipeline after the run began has none yet and is pending. */
export const stepIn = (steps: Readonly<Record<string, StepState>>, name: string): StepState => (Object.hasOwn(steps, name) ? steps[name]! : newStep());
