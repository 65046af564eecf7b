import { DEFAULT_RUN_PRIORITY, RunRecord, unstorable } from "@clementine/shared";
import { z } from "zod";
import { executionDataOf, isTerminal, progressOf, stepsFor } from "@clementine/pipeline";
import { Timestamp, type DocumentReference } from "firebase-admin/firestore";
import { admissionOf } from "./admission.js";
import type { Engine } from "./engine.js";
import { isAlreadyExists, isPreconditionFailed } from "./firestoreErrors.js";
import { runKeyRef, runRef, runsCollection } from "./refs.js";
import { sendWakeUp } from "./wakeUp.js";

export interface NewRun {
  pipeline: string;
  projectId: string;
  payload: unknown;
  correlationId?: string | null;
  /** Chosen by the caller when another document must name the run in the same commit (a job, a session). */
  runId?: string;
  /** Overrides the pipeline's own dedup key for this run. */
  dedupKey?: string | null;
  /** Create the run even if one with the same dedup key is pending or running. */
  force?: boolean;
  priority?: number;
  /** Epoch ms: no step runs before it. */
  startAt?: number | null;
  replayOf?: string | null;
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
  const priority = run.priority ?? DEFAULT_RUN_PRIORITY;
  const delayed = run.startAt != null && run.startAt > now.toMillis();
  const record = RunRecord.parse({
    pipeline: run.pipeline,
    projectId: run.projectId,
    status: "pending",
    payload: payload.data,
    correlationId: run.correlationId ?? null,
    dedupKey: run.dedupKey ?? pipeline.dedupKey?.(payload.data) ?? null,
    priority,
    startAt: delayed ? Timestamp.fromMillis(run.startAt!) : null,
    replayOf: run.replayOf ?? null,
    // A delayed run waits for a slot only once its start has come: before that it must not hold back others.
    admission: delayed ? admissionOf(pipeline, payload.data, priority, run.startAt!, false) : admissionOf(pipeline, payload.data, priority, now.toMillis()),
    steps: {},
    executionData: executionDataOf(graph, payload.data, {}),
    progress: progressOf(graph, {}),
    error: null,
    // If no delivery has taken it by then, the sweeper sends another; a delayed run's start task is due at its start.
    wakeAt: delayed ? Timestamp.fromMillis(run.startAt!) : Timestamp.fromMillis(now.toMillis() + engine.pickupGraceMs),
    lease: null,
    deadlineAt: null,
    eventCount: 0,
    commits: 1,
    createdAt: now,
    startedAt: null,
    finishedAt: null,
    updatedAt: now,
    expiresAt: null,
  });
  const ref = run.runId ? runRef(engine.db, run.runId) : runsCollection(engine.db).doc();
  return { kind: "ready", ref, record };
}

/**
 * Creates a run on its own and enqueues it. Once the create commits the run is
 * accepted: if the enqueue fails, the sweeper sends its wake-up call when
 * `wakeAt` passes, so the caller may still answer "accepted".
 *
 * A run with a dedup key is created together with its key's document
 * (`/runKeys`), which names the latest run started with that key: while that
 * run is pending or running, the start answers with it instead (`existing`),
 * unless `force` is set.
 */
export async function startRun(engine: Engine, run: NewRun): Promise<StartOutcome> {
  const outcome = prepareRun(engine, run);
  if (outcome.kind !== "ready") return outcome;
  const { ref, record } = outcome;
  if (record.dedupKey !== null) {
    const existing = await createWithKey(engine, ref, record, run.force ?? false);
    if (existing) return { kind: "existing", ...existing };
  } else {
    try {
      await ref.create(record);
    } catch (error) {
      // A run id the caller chose (derived from a message id, say) names one run: the second start finds the first.
      if (!run.runId || !isAlreadyExists(error)) throw error;
      const existing = await ref.get();
      return { kind: "existing", ref, record: RunRecord.parse(existing.data()) };
    }
  }
  await enqueueNewRun(engine, ref.id, record.startAt?.toMillis() ?? null);
  return outcome;
}

/**
 * One batch: the run, and its key's document created (none yet) or updated
 * on the condition that nobody changed it since it was read. Of racing starts
 * one commits; the others read the key again and find its run. No
 * transaction: racing transactions on one document deadlock in the emulator.
 */
async function createWithKey(engine: Engine, ref: DocumentReference, record: RunRecord, force: boolean): Promise<{ ref: DocumentReference; record: RunRecord } | null> {
  const keyRef = runKeyRef(engine.db, record.pipeline, record.projectId, record.dedupKey!);
  for (let attempt = 1; ; attempt++) {
    const key = await keyRef.get();
    if (key.exists && !force) {
      const latest = await runRef(engine.db, key.get("runId") as string).get();
      const live = latest.exists ? RunRecord.parse(latest.data()) : null;
      if (live && !isTerminal(live.status)) return { ref: latest.ref, record: live };
    }
    const batch = engine.db.batch().create(ref, record);
    const data = { pipeline: record.pipeline, projectId: record.projectId, dedupKey: record.dedupKey, runId: ref.id, updatedAt: record.createdAt };
    if (key.exists) batch.update(keyRef, data, { lastUpdateTime: key.updateTime! });
    else batch.create(keyRef, data);
    try {
      await batch.commit();
      return null;
    } catch (error) {
      if (attempt >= 10 || !(isAlreadyExists(error) || isPreconditionFailed(error))) throw error;
    }
  }
}

export type StartOutcome = PrepareOutcome | { kind: "existing"; ref: DocumentReference; record: RunRecord };

/** The first wake-up call of a run, named after it: at once, or at a delayed run's start. */
export const enqueueNewRun = (engine: Engine, runId: string, at: number | null = null) => sendWakeUp(engine, runId, `${runId}-start`, at);
