import type { RunAdmission, RunRecord } from "@clementine/shared";
import { admissionRank, decideAdmission, freeSlots, type Waiter } from "@clementine/pipeline";
import { FieldPath, FieldValue, Timestamp, type DocumentReference, type DocumentSnapshot, type Firestore } from "firebase-admin/firestore";
import { logger } from "firebase-functions";
import { describeError } from "../core/jobErrors.js";
import type { Engine, Pipeline } from "./engine.js";
import { isAlreadyExists, isPreconditionFailed } from "./firestoreErrors.js";
import { gateRef, runsCollection } from "./refs.js";
import { sendWakeUp } from "./wakeUp.js";

/** The composite index the waiters' query needs (declared in `firestore.indexes.json`, checked by a test). */
export const WAITERS_INDEX = {
  collectionGroup: "runs",
  queryScope: "COLLECTION",
  fields: [
    { fieldPath: "admission.scope", order: "ASCENDING" },
    { fieldPath: "admission.waiting", order: "ASCENDING" },
    { fieldPath: "admission.rank", order: "ASCENDING" },
  ],
} as const;

/** The scope a run of `pipeline` needs a slot of, or null when the pipeline has no limit. */
export function scopeOf(pipeline: Pipeline<unknown>, payload: unknown): string | null {
  const concurrency = pipeline.concurrency;
  if (!concurrency) return null;
  return concurrency.key ? `${pipeline.definition.name}:${concurrency.key(payload)}` : pipeline.definition.name;
}

/** A new run's place in its scope's queue: waiting from its creation, or from its start if that is delayed. */
export function admissionOf(pipeline: Pipeline<unknown>, payload: unknown, priority: number, eligibleAt: number, waiting = true): RunAdmission | null {
  const scope = scopeOf(pipeline, payload);
  return scope === null ? null : { scope, rank: admissionRank(priority, eligibleAt), waiting };
}

const waitersQuery = (db: Firestore, scope: string, limit: number) =>
  runsCollection(db).where("admission.scope", "==", scope).where("admission.waiting", "==", true).orderBy("admission.rank").limit(limit);

const waitersOf = (snaps: DocumentSnapshot[]): Waiter[] => snaps.map((d) => ({ runId: d.id, rank: d.get("admission.rank") as number }));
const holdersOf = (gate: DocumentSnapshot): Record<string, number> => (gate.get("holders") as Record<string, number> | undefined) ?? {};

export type SlotOutcome = "admitted" | "queued" | "raced" | "recheck";

/** Attempts at the gate's conditional write before the delivery gives up (and is retried by Cloud Tasks). */
const GATE_ATTEMPTS = 12;

/**
 * Takes one of the scope's slots for a run about to be leased, until
 * `expiresAt` (its lease's expiry): a free slot goes to the best-ranked run
 * that needs one. No transaction: the gate is read, then written with a
 * precondition on its update time, and read again if someone else wrote it
 * first (transactions on one hot document deadlock in the emulator and queue
 * on locks in production). A run not admitted is marked waiting, to be woken
 * when a slot is released (or by the sweeper after the backstop, should that
 * wake-up be lost); it then reads the gate once more, and answers `recheck`
 * if a slot was released meanwhile, so a release that missed it cannot strand
 * it. `raced`: the run changed since `base` was read.
 */
export async function acquireSlot(engine: Engine, pipeline: Pipeline<unknown>, base: DocumentSnapshot, record: RunRecord, expiresAt: number): Promise<SlotOutcome> {
  const { scope, rank } = record.admission!;
  const limit = pipeline.concurrency!.limit;
  const ref = gateRef(engine.db, scope);
  for (let attempt = 1; attempt <= GATE_ATTEMPTS; attempt++) {
    const gate = await ref.get();
    const now = engine.now();
    const holders = holdersOf(gate);
    const free = freeSlots(limit, holders, now, base.id);
    // One more than the free slots: the list may hold this run itself.
    const waiters = free > 0 ? waitersOf((await waitersQuery(engine.db, scope, free + 1).get()).docs) : [];
    if (!decideAdmission({ runId: base.id, rank, limit, holders, waiters, now })) return queue(engine, base, gate, limit);
    const expired = Object.entries(holders).filter(([id, until]) => until <= now && id !== base.id);
    const entries = { [base.id]: expiresAt, ...Object.fromEntries(expired.map(([id]) => [id, FieldValue.delete()])) };
    try {
      if (gate.exists) {
        const [[id, value], ...more] = Object.entries(entries) as [[string, unknown], ...Array<[string, unknown]>];
        await ref.update(new FieldPath("holders", id), value, ...more.flatMap(([other, v]) => [new FieldPath("holders", other), v]), { lastUpdateTime: gate.updateTime! });
      }
      else await ref.create({ scope, holders: { [base.id]: expiresAt } });
      return "admitted";
    } catch (error) {
      if (!isPreconditionFailed(error) && !isAlreadyExists(error)) throw error;
      // Someone else changed the gate first: decide again on what it holds now, after a moment's jitter.
      await new Promise((r) => setTimeout(r, Math.random() * 10 * attempt));
    }
  }
  throw new Error(`the gate of '${scope}' changed under ${GATE_ATTEMPTS} attempts in a row`);
}

async function queue(engine: Engine, base: DocumentSnapshot, seen: DocumentSnapshot, limit: number): Promise<SlotOutcome> {
  const now = engine.now();
  try {
    await base.ref.update({ "admission.waiting": true, wakeAt: Timestamp.fromMillis(now + engine.waitBackstopMs), updatedAt: Timestamp.fromMillis(now) }, { lastUpdateTime: base.updateTime! });
  } catch (error) {
    if (isPreconditionFailed(error)) return "raced";
    throw error;
  }
  // A release between our read of the gate and our waiting mark may have looked for waiters before we were one.
  const gate = await gateRef(engine.db, base.get("admission.scope") as string).get();
  const changed = gate.exists !== seen.exists || (gate.exists && !gate.updateTime!.isEqual(seen.updateTime!));
  return changed && freeSlots(limit, holdersOf(gate), engine.now(), base.id) > 0 ? "recheck" : "queued";
}

/** The gate write that goes in a holder's commit: its slot's new expiry, or its release. */
export function slotWrite(db: Firestore, runId: string, scope: string, expiresAt: number | null): { ref: DocumentReference; data: Record<string, unknown> } {
  return { ref: gateRef(db, scope), data: { scope, holders: { [runId]: expiresAt ?? FieldValue.delete() } } };
}

/**
 * After a slot is released: wake the best-ranked waiters, one per free slot.
 * Each takes its slot itself (or waits again, should a better run come first).
 * A failure is logged: a waiter whose wake-up is lost is woken by the sweeper.
 */
export async function wakeWaiters(engine: Engine, scope: string, limit: number): Promise<void> {
  try {
    const free = freeSlots(limit, holdersOf(await gateRef(engine.db, scope).get()), engine.now());
    if (free === 0) return;
    const waiters = await waitersQuery(engine.db, scope, free).get();
    // Named after the waiter's own state: releases that find it unchanged send it one wake-up, not one each.
    await Promise.all(waiters.docs.map((d) => sendWakeUp(engine, d.id, `${d.id}-admit-${d.updateTime.toMillis()}`)));
  } catch (error) {
    logger.warn("run.wake_waiters_failed", { scope, detail: describeError(error) });
  }
}
