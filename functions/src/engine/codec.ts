import type { StepRecord } from "@clementine/shared";
import type { StepState } from "@clementine/pipeline";
import { Timestamp } from "firebase-admin/firestore";

/** Stored steps (Firestore Timestamps) to the pure core's states (epoch ms), and back. */
const ms = (t: { toMillis(): number } | null) => (t ? t.toMillis() : null);
const ts = (millis: number | null) => (millis === null ? null : Timestamp.fromMillis(millis));

export function toStepStates(steps: Record<string, StepRecord>): Record<string, StepState> {
  return Object.fromEntries(
    Object.entries(steps).map(([name, s]) => [
      name,
      { status: s.status, attempts: s.attempts, output: s.output ?? null, error: s.error, wakeAt: ms(s.wakeAt), startedAt: ms(s.startedAt), finishedAt: ms(s.finishedAt), progress: s.progress ?? null },
    ]),
  );
}

export function toStepRecords(steps: Record<string, StepState>): Record<string, StepRecord> {
  return Object.fromEntries(
    Object.entries(steps).map(([name, s]) => [
      name,
      { status: s.status, attempts: s.attempts, output: s.output ?? null, error: s.error, wakeAt: ts(s.wakeAt), startedAt: ts(s.startedAt), finishedAt: ts(s.finishedAt), progress: s.progress },
    ]),
  );
}

export { ts as toTimestamp, ms as toMillis };
