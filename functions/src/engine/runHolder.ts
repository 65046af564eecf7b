import { RunRecord, type RunEventType, type RunError, type StepProgress } from "@clementine/shared";
import { executionDataOf, isTerminal, progressOf, type StepGraph, type StepState } from "@clementine/pipeline";
import { FieldPath, FieldValue, Timestamp, type DocumentReference } from "firebase-admin/firestore";
import { isDeepStrictEqual } from "node:util";
import { logger } from "firebase-functions";
import { slotWrite, wakeWaiters } from "./admission.js";
import { toStepRecords, toStepStates } from "./codec.js";
import { eventRetentionEnd, retentionEnd } from "./retention.js";
import { mirrorStands, type Engine, type MirrorWrite, type Pipeline } from "./engine.js";
import { isNotFound, isPreconditionFailed } from "./firestoreErrors.js";
import { eventRef } from "./refs.js";

export interface EventDraft {
  type: RunEventType;
  step?: string;
  error?: RunError;
  retryAt?: number;
  stepProgress?: StepProgress;
}

/** What a change of the run returns: the next record (steps as the pure core sees them) and the events it adds. */
export interface Change {
  steps?: Record<string, StepState>;
  record?: Partial<RunRecord>;
  events?: EventDraft[];
  /** False for a commit no mirror shows (a step's progress): the run and its events only. */
  mirror?: boolean;
}

/**
 * The invocation that holds a run's lease. It records every change as one
 * batch: the run, its new events and its mirrors, conditional on the run's
 * update time from this holder's previous commit. It needs no transaction: if
 * anyone else wrote the run meanwhile (a new holder after the lease expired,
 * a cancel), the batch fails whole and this holder stops.
 */
export class RunHolder {
  private chain: Promise<unknown> = Promise.resolve();
  /** True once a commit found the run changed by someone else: stop, write nothing more. */
  lost = false;
  steps: Record<string, StepState>;
  /** Mirrored documents found deleted (a guest's session, say): the run goes on without them. */
  private readonly missingMirrors = new Set<string>();

  constructor(
    private readonly engine: Engine,
    readonly ref: DocumentReference,
    public record: RunRecord,
    private writeTime: Timestamp,
    private readonly pipeline: Pipeline<unknown>,
    private readonly graph: StepGraph<unknown>,
  ) {
    this.steps = toStepStates(record.steps);
  }

  /** Applies `change` to the latest state and commits it; commits happen one at a time, in call order. False if the lease was lost. */
  write(change: (steps: Record<string, StepState>, record: RunRecord) => Change): Promise<boolean> {
    const next = this.chain.then(() => this.commit(change));
    this.chain = next.catch(() => {});
    return next;
  }

  private async commit(change: (steps: Record<string, StepState>, record: RunRecord) => Change): Promise<boolean> {
    if (this.lost) return false;
    const base = this.steps;
    const { steps = base, record: fields = {}, events = [], mirror = true } = change(base, this.record);
    const now = Timestamp.fromMillis(this.engine.now());
    const progress = progressOf(this.graph, steps);
    const ending = isTerminal(fields.status ?? this.record.status) && !isTerminal(this.record.status);
    const next = RunRecord.parse({
      ...this.record,
      ...fields,
      // An ended run stays in the history for the retention period.
      ...(ending ? { expiresAt: retentionEnd(now) } : {}),
      steps: toStepRecords(steps),
      progress,
      executionData: executionDataOf(this.graph, this.record.payload, steps),
      eventCount: this.record.eventCount + events.length,
      commits: this.record.commits + 1,
      updatedAt: now,
    });
    const mirrors = mirror ? (this.pipeline.mirrors?.(this.ref.id, next, next.payload) ?? []).filter((m) => mirrorStands(m, this.missingMirrors)) : [];
    const slot = this.slotChange(next);
    if (slot) mirrors.push({ ...slotWrite(this.engine.db, this.ref.id, slot.scope, slot.expiresAt), mode: "merge" });
    try {
      this.writeTime = await this.commitBatch(next, events, now, progress, mirrors).catch(async (error: unknown) => {
        if (!isNotFound(error) || !mirrors.some((m) => m.mode === "update")) throw error;
        // An `update` mirror was deleted: find which, and go on without it (and what was only with it).
        const updated = mirrors.filter((m) => m.mode === "update");
        const found = await this.engine.db.getAll(...updated.map((m) => m.ref));
        updated.forEach((m, i) => {
          if (!found[i]!.exists) this.missingMirrors.add(m.ref.path);
        });
        logger.warn("run.mirror_missing", { runId: this.ref.id, mirrors: [...this.missingMirrors] });
        return this.commitBatch(next, events, now, progress, mirrors.filter((m) => mirrorStands(m, this.missingMirrors)));
      });
    } catch (error) {
      if (!isPreconditionFailed(error)) throw error;
      this.lost = true;
      logger.warn("run.lease_lost", { runId: this.ref.id, holder: this.record.lease?.holder });
      return false;
    }
    this.record = next;
    if (slot && slot.expiresAt === null) await wakeWaiters(this.engine, slot.scope, this.pipeline.concurrency!.limit);
    // Only the steps this change touched: a step launched while the commit was in flight keeps its attempt.
    const touched = Object.fromEntries(Object.entries(steps).filter(([name, step]) => base[name] !== step));
    this.steps = { ...this.steps, ...touched };
    return true;
  }

  /**
   * A run of a limited pipeline holds its slot as long as its lease: the
   * gate's entry follows each renewal and goes with the lease's release.
   */
  private slotChange(next: RunRecord): { scope: string; expiresAt: number | null } | null {
    const before = this.record.lease;
    if (!this.pipeline.concurrency || !next.admission || !before) return null;
    if (!next.lease) return { scope: next.admission.scope, expiresAt: null };
    const renewed = next.lease.holder === before.holder && next.lease.expiresAt.toMillis() !== before.expiresAt.toMillis();
    return renewed ? { scope: next.admission.scope, expiresAt: next.lease.expiresAt.toMillis() } : null;
  }

  /** The run, its new events and its mirrors in one batch, conditional on this holder's last write. */
  private async commitBatch(next: RunRecord, events: EventDraft[], now: Timestamp, progress: RunRecord["progress"], mirrors: MirrorWrite[]): Promise<Timestamp> {
    const batch = this.engine.db.batch();
    // Never empty: every commit counts itself in `commits`.
    const [[field, value], ...more] = changedFields(this.record, next) as [[FieldPath, unknown], ...Array<[FieldPath, unknown]>];
    batch.update(this.ref, field, value, ...more.flat(), { lastUpdateTime: this.writeTime });
    events.forEach((event, i) => {
      const seq = this.record.eventCount + i + 1;
      batch.create(eventRef(this.ref, seq), {
        runId: this.ref.id,
        seq,
        type: event.type,
        at: now,
        step: event.step ?? null,
        progress,
        error: event.error ?? null,
        retryAt: event.retryAt === undefined ? null : Timestamp.fromMillis(event.retryAt),
        stepProgress: event.stepProgress ?? null,
        expiresAt: eventRetentionEnd(now, this.pipeline),
      });
    });
    for (const mirror of mirrors) {
      if (mirror.mode === "set") batch.set(mirror.ref, mirror.data);
      else if (mirror.mode === "merge") batch.set(mirror.ref, mirror.data, { merge: true });
      else batch.update(mirror.ref, mirror.data);
    }
    const results = await batch.commit();
    return results[0]!.writeTime;
  }

  /** Waits for every commit asked for so far. */
  settled(): Promise<unknown> {
    return this.chain;
  }
}

/**
 * The fields of the run that this commit changes (or removes): each step by
 * its own path, everything else by top-level field. The payload is never
 * rewritten; `executionData` is, whenever a step's output joins it.
 */
function changedFields(previous: RunRecord, next: RunRecord): Array<[FieldPath, unknown]> {
  const changes: Array<[FieldPath, unknown]> = [];
  const diff = (path: string[], before: Record<string, unknown>, after: Record<string, unknown>) => {
    for (const [key, value] of Object.entries(after)) {
      if (!Object.hasOwn(before, key) || !isDeepStrictEqual(before[key], value)) changes.push([new FieldPath(...path, key), value]);
    }
    for (const key of Object.keys(before)) if (!Object.hasOwn(after, key)) changes.push([new FieldPath(...path, key), FieldValue.delete()]);
  };
  const { steps: stepsBefore, ...before } = previous;
  const { steps: stepsAfter, ...after } = next;
  diff([], before, after);
  diff(["steps"], stepsBefore, stepsAfter);
  return changes;
}
