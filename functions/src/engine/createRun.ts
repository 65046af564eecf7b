import { RunRecord, unstorable } from "@clementine/shared";
import { z } from "zod";
import { stepsFor, progressOf, executionDataOf } from "@clementine/pipeline";
import { Timestamp, type DocumentReference } from "firebase-admin/firestore";
import type { Engine } from "./engine.js";
import { isAlreadyExists } from "./firestoreErrors.js";
import { runRef, runsCollection } from "./refs.js";
import { sendWakeUp } from "./wakeUp.js";

export interface NewRun {
  pipeline: string;
  projectId: string;
  payload: unknown;
  correlationId?: string | null;
  /** Chosen by the caller when another document must name the run in the same commit (a job, a session). */
  runId?: string;
}

export type PrepareOutcome =
  | { kind: "ready"; ref: DocumentReference; record: RunRecord }
  | { kind: "unknown-pipeline" }
  | { kind: "invalid-payload"; issues: z.ZodError };

/**
 * A pending run, checked and ready to write: callers that must create it
 * together with their own documents write it in their transaction, then
 * enqueue it with `enqueueNewRun` after the commit (a transaction may run more
 * than once; a task must not be sent from inside it).
 */
export function prepareRun(engine: Engine, run: NewRun): PrepareOutcome {
  const pipeline = engine.pipeline(run.pipeline);
  if (!pipeline) return { kind: "unknown-pipeline" };
  const payload = pipeline.definition.payload.safeParse(run.payload);
  if (!payload.success) return { kind: "invalid-payload", issues: payload.error };
  // Whatever the pipeline's schema allows, Firestore must be able to store it.
  const unfit = unstorable(payload.data);
  if (unfit) return { kind: "invalid-payload", issues: new z.ZodError([{ code: "custom", path: unfit.path, message: unfit.message, input: undefined }]) };
  const graph = stepsFor(pipeline.definition, payload.data);
  const now = Timestamp.fromMillis(engine.now());
  const record = RunRecord.parse({
    pipeline: run.pipeline,
    projectId: run.projectId,
    status: "pending",
    payload: payload.data,
    correlationId: run.correlationId ?? null,
    steps: {},
    executionData: executionDataOf(graph, payload.data, {}),
    progress: progressOf(graph, {}),
    error: null,
    // If no delivery has taken it by then, the sweeper sends another.
    wakeAt: Timestamp.fromMillis(now.toMillis() + engine.pickupGraceMs),
    lease: null,
    deadlineAt: null,
    eventCount: 0,
    commits: 1,
    createdAt: now,
    startedAt: null,
    finishedAt: null,
    updatedAt: now,
  });
  const ref = run.runId ? runRef(engine.db, run.runId) : runsCollection(engine.db).doc();
  return { kind: "ready", ref, record };
}

/**
 * Creates a run on its own and enqueues it. Once the create commits the run is
 * accepted: if the enqueue fails, the sweeper sends its wake-up call when
 * `wakeAt` passes, so the caller may still answer "accepted".
 */
export async function startRun(engine: Engine, run: NewRun): Promise<StartOutcome> {
  const outcome = prepareRun(engine, run);
  if (outcome.kind !== "ready") return outcome;
  try {
    await outcome.ref.create(outcome.record);
  } catch (error) {
    // A run id the caller chose (derived from a message id, say) names one run: the second start finds the first.
    if (!run.runId || !isAlreadyExists(error)) throw error;
    const existing = await outcome.ref.get();
    return { kind: "existing", ref: outcome.ref, record: RunRecord.parse(existing.data()) };
  }
  await enqueueNewRun(engine, outcome.ref.id);
  return outcome;
}

export type StartOutcome = PrepareOutcome | { kind: "existing"; ref: DocumentReference; record: RunRecord };

/** The first wake-up call of a run, named after it. */
export const enqueueNewRun = (engine: Engine, runId: string) => sendWakeUp(engine, runId, `${runId}-start`);
