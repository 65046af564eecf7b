import type { z } from "zod";
import { PipelineDefinitionError } from "./errors.js";
import type { RetryPolicy } from "./retry.js";

export interface StepContext<Payload> {
  payload: Payload;
  runId: string;
  /** 1 on the first attempt. */
  attempt: number;
  /** The outputs of the steps this one depends on, by name. */
  needs: Readonly<Record<string, unknown>>;
  /** The run's execution data so far: the trigger payload with every completed step's output merged in. */
  data: Readonly<Record<string, unknown>>;
  /** Aborted when the run passes its timeout; a step should stop promptly. */
  signal: AbortSignal;
  /**
   * Reports how far the step has got (files copied of files to copy): stored
   * on the step and logged as a `pipeline:step_progress` event, at most a few
   * times a second. Fire and forget; the step's output is what is memoized.
   */
  progress: (done: number, total: number) => void;
}

interface StepBase {
  /** Unique within the pipeline. Memoization is by name: a renamed step runs again, an unchanged name never does. */
  name: string;
  /** Steps that must complete first. Steps whose dependencies are met run concurrently. */
  dependsOn?: readonly string[];
}

/** A step that does work. Its output is validated, memoized, and merged into the run's execution data. */
export interface WorkStep<Payload> extends StepBase {
  kind?: "work";
  /** Checked before the output is memoized; a mismatch is a retryable failure. Outputs must be objects. */
  output: z.ZodType<Record<string, unknown>>;
  /** Overrides the pipeline's policy for this step. */
  retry?: RetryPolicy;
  /**
   * A rate limit the step consumes, by name (the engine declares each limit):
   * every attempt takes one grant, and a step refused one waits, durably,
   * until the window has room. `key` splits the limit (one per user, say).
   */
  rateLimit?: { name: string; key?: (payload: Payload) => string };
  run(ctx: StepContext<Payload>): Promise<Record<string, unknown>>;
}

/** A durable sleep: the run parks until the time has passed, with no instance waiting. */
export interface SleepStep<Payload> extends StepBase {
  kind: "sleep";
  /** How long to sleep, decided once when the step is first reached. */
  durationMs(ctx: StepContext<Payload>): number;
}

export type StepSpec<Payload> = WorkStep<Payload> | SleepStep<Payload>;

export interface PipelineDefinition<Payload> {
  /** Letters, digits, `-`: it names runs' pipelines in documents and APIs. */
  name: string;
  /** The trigger payload's schema, checked when a run is created. */
  payload: z.ZodType<Payload>;
  /**
   * The steps, in order. A function of the payload for pipelines whose steps
   * come from data (a transform's nodes); it is evaluated with the current code
   * on every delivery, so in-flight runs follow code changes (spec FR-019).
   */
  steps: readonly StepSpec<Payload>[] | ((payload: Payload) => readonly StepSpec<Payload>[]);
  /** The steps' retry policy unless a step says otherwise. */
  retry: RetryPolicy;
  /** A run still unfinished this long after it started fails with TIMEOUT. */
  timeoutSeconds: number;
}

export function definePipeline<Payload>(definition: PipelineDefinition<Payload>): PipelineDefinition<Payload> {
  if (!/^[a-z][a-z0-9-]*$/.test(definition.name)) throw new PipelineDefinitionError(`pipeline name '${definition.name}' must be lowercase letters, digits and '-'`);
  if (Array.isArray(definition.steps)) stepGraph(definition.steps as readonly StepSpec<Payload>[]);
  return definition;
}

/** The steps of a pipeline for one payload, checked as a graph. */
export interface StepGraph<Payload> {
  /** In declaration order. */
  steps: readonly StepSpec<Payload>[];
  byName: ReadonlyMap<string, StepSpec<Payload>>;
}

export function stepsFor<Payload>(definition: PipelineDefinition<Payload>, payload: Payload): StepGraph<Payload> {
  const specs = typeof definition.steps === "function" ? definition.steps(payload) : definition.steps;
  return stepGraph(specs);
}

/** Checks names are unique, dependencies exist, and there is no cycle. */
export function stepGraph<Payload>(steps: readonly StepSpec<Payload>[]): StepGraph<Payload> {
  if (steps.length === 0) throw new PipelineDefinitionError("a pipeline needs at least one step");
  const byName = new Map<string, StepSpec<Payload>>();
  for (const step of steps) {
    if (!step.name) throw new PipelineDefinitionError("every step needs a name");
    if (byName.has(step.name)) throw new PipelineDefinitionError(`step name '${step.name}' is used twice`);
    byName.set(step.name, step);
  }
  for (const step of steps) {
    for (const dep of step.dependsOn ?? []) {
      if (!byName.has(dep)) throw new PipelineDefinitionError(`step '${step.name}' depends on unknown step '${dep}'`);
    }
  }
  const state = new Map<string, "visiting" | "done">();
  const visit = (name: string, path: string[]) => {
    if (state.get(name) === "done") return;
    if (state.get(name) === "visiting") throw new PipelineDefinitionError(`steps depend on each other in a cycle: ${[...path, name].join(" → ")}`);
    state.set(name, "visiting");
    for (const dep of byName.get(name)!.dependsOn ?? []) visit(dep, [...path, name]);
    state.set(name, "done");
  };
  for (const step of steps) visit(step.name, []);
  return { steps, byName };
}
