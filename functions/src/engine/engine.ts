import type { RunRecord, RunTask } from "@clementine/shared";
import type { PipelineDefinition, RateLimit } from "@clementine/pipeline";
import type { DocumentReference, Firestore } from "firebase-admin/firestore";

/** A document that mirrors a run (a guest's session, a job's admin view), written in the same commit as each change of the run. */
export interface MirrorWrite {
  ref: DocumentReference;
  data: Record<string, unknown>;
  /** `update` leaves a deleted document deleted (the mirror is skipped); `set` writes it whole; `merge` sets only the fields given. */
  mode: "set" | "update" | "merge";
  /**
   * Another mirror of the same change, by its document: when that one is
   * found deleted (an `update` mirror), this one is dropped too. An event
   * about an asset is not written once the asset is gone.
   */
  onlyWith?: DocumentReference;
}

/** Whether `mirror` is still written when the documents at `missing` (paths) are gone. */
export const mirrorStands = (mirror: MirrorWrite, missing: ReadonlySet<string>) => !missing.has(mirror.ref.path) && !(mirror.onlyWith && missing.has(mirror.onlyWith.path));

/** A pipeline as the engine runs it: its pure definition plus what it mirrors into Firestore. */
export interface Pipeline<Payload = unknown> {
  definition: PipelineDefinition<Payload>;
  mirrors?: (runId: string, run: RunRecord, payload: Payload) => MirrorWrite[];
  /**
   * Whether the admin API may start runs of it with any payload and retry a
   * failed one. A pipeline with its own trigger (the transform: one job per
   * session, started by the session's guest) says no: an arbitrary payload
   * could name another project's documents, and a retried old job would take
   * its session back from a newer one.
   */
  adminSteerable: boolean;
  /** The dedup key of a run when its start names none (the demo task's `taskId`): while a run with it is pending or running, starts return that run. */
  dedupKey?: (payload: Payload) => string | undefined;
  /**
   * At most `limit` runs of the pipeline execute at once (hold a lease), or
   * at most `limit` per `key` of the payload. Runs over it wait, durably, in
   * priority order; `null` is no limit. Defaults to 10 (spec FR-018).
   */
  concurrency: { limit: number; key?: (payload: Payload) => string } | null;
}

/** Spec FR-018: ten runs of a pipeline at once unless it says otherwise. */
export const DEFAULT_CONCURRENCY = 10;

export const pipeline = <Payload>(definition: PipelineDefinition<Payload>, options: Partial<Omit<Pipeline<Payload>, "definition">> = {}): Pipeline<Payload> => ({
  definition,
  adminSteerable: true,
  concurrency: { limit: DEFAULT_CONCURRENCY },
  ...options,
});

/** Pipelines of any payload share one registry; each checks its payload with its own schema. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyPipeline = Pipeline<any>;

/** Hands a wake-up call to Cloud Tasks: at `at` (epoch ms) or at once, deduplicated by `id`. */
export type EnqueueRun = (task: RunTask, options: { id: string; at: number | null }) => Promise<void>;

export interface EngineConfig {
  db: Firestore;
  pipelines: readonly AnyPipeline[];
  enqueue: EnqueueRun;
  /** Epoch ms; injected by tests that need to be somewhere else in time. */
  now?: () => number;
  /** How long one delivery executes steps before it checkpoints and hands over to a new one. */
  invocationBudgetMs: number;
  /** How long a pending run may wait for its first delivery before the sweeper enqueues it again. */
  pickupGraceMs: number;
  /**
   * When an invocation must stop its steps and hand the run over, whatever
   * they are doing: before the task function's own timeout kills it unrecorded.
   * Defaults to four budgets.
   */
  maxInvocationMs?: number;
  /** The rate limits steps may consume (`rateLimit.name`), e.g. one per downstream API. */
  rateLimits?: Readonly<Record<string, RateLimit>>;
  /** How long a run waiting for a concurrency slot waits before the sweeper wakes it to ask again, should its wake-up be lost. Defaults to 5 min. */
  waitBackstopMs?: number;
}

export interface Engine extends Required<Omit<EngineConfig, "pipelines">> {
  pipeline(name: string): Pipeline<unknown> | undefined;
  readonly pipelineNames: readonly string[];
}

export function createEngine(config: EngineConfig): Engine {
  const byName = new Map(config.pipelines.map((p) => [p.definition.name, p as Pipeline<unknown>]));
  if (byName.size !== config.pipelines.length) throw new Error("two pipelines share a name");
  return { now: Date.now, maxInvocationMs: config.invocationBudgetMs * 4, waitBackstopMs: 300_000, rateLimits: {}, ...config, pipeline: (name) => byName.get(name), pipelineNames: [...byName.keys()] };
}

/** A lease lasts as long as the invocation that holds it may run, plus a margin: then the sweeper may hand the run on. */
export const leaseMs = (engine: Engine) => engine.invocationBudgetMs + 30_000;
