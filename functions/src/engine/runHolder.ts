import { RunRecord, type RunEventType, type RunError } from "@clementine/shared";
import { executionDataOf, progressOf, type StepGraph, type StepState } from "@clementine/pipeline";
import { Timestamp, type DocumentReference } from "firebase-admin/firestore";
import { logger } from "firebase-functions";
import { toStepRecords, toStepStates } from "./codec.js";
import type { Engine, Pipeline } from "./engine.js";
import { eventRef } from "./refs.js";
import { isPreconditionFailed } from "./takeLease.js";

export interface EventDraft {
  type: RunEventType;
  step?: string;
  error?: RunError;
  retryAt?: number;
}

/** What a change of the run returns: the next record (steps as the pure core sees them) and the events it adds. */
export interface Change {
  steps?: Record<string, StepState>;
  record?: Partial<RunRecord>;
  events?: EventDraft[];
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
    const { steps = this.steps, record: fields = {}, events = [] } = change(this.steps, this.record);
    const now = Timestamp.fromMillis(this.engine.now());
    const progress = progressOf(this.graph, steps);
    const next = RunRecord.parse({
      ...this.record,
      ...fields,
      steps: toStepRecords(steps),
      progress,
      executionData: executionDataOf(this.graph, this.record.payload, steps),
      eventCount: this.record.eventCount + events.length,
      updatedAt: now,
    });

    const batch = this.engine.db.batch();
    batch.update(this.ref, { ...next }, { lastUpdateTime: this.writeTime });
    events.forEach((event, i) => {
      const seq = this.record.eventCount + i + 1;
      batch.create(eventRef(this.ref, seq), {
        seq,
        type: event.type,
        at: now,
        step: event.step ?? null,
        progress,
        error: event.error ?? null,
        retryAt: event.retryAt === undefined ? null : Timestamp.fromMillis(event.retryAt),
      });
    });
    const mirrors = this.pipeline.mirrors?.(this.ref.id, next, next.payload) ?? [];
    for (const mirror of mirrors) {
      if (mirror.mode === "set") batch.set(mirror.ref, mirror.data);
      else batch.update(mirror.ref, mirror.data);
    }

    try {
      const results = await batch.commit();
      this.writeTime = results[0]!.writeTime;
    } catch (error) {
      if (isPreconditionFailed(error)) {
        this.lost = true;
        logger.warn("run.lease_lost", { runId: this.ref.id, holder: this.record.lease?.holder });
        return false;
      }
      throw error;
    }
    this.record = next;
    this.steps = steps;
    return true;
  }

  /** Waits for every commit asked for so far. */
  settled(): Promise<unknown> {
    return this.chain;
  }
}
