import { RUN_RETENTION_DAYS } from "@clementine/shared";
import { Timestamp } from "firebase-admin/firestore";
import type { Pipeline } from "./engine.js";

const DAY = 24 * 3600 * 1000;
export const RETENTION_MS = RUN_RETENTION_DAYS * DAY;

/** When a run that ends now leaves the history. */
export const retentionEnd = (endedAt: Timestamp) => Timestamp.fromMillis(endedAt.toMillis() + RETENTION_MS);

/**
 * When an event written now may be deleted by the TTL policy: never before its
 * run, which ends at the latest one run timeout after the event.
 */
export const eventRetentionEnd = (at: Timestamp, pipeline: Pipeline<unknown> | undefined) =>
  Timestamp.fromMillis(at.toMillis() + RETENTION_MS + (pipeline?.definition.timeoutSeconds ?? 0) * 1000);

/** The fields' TTL policies: Firestore deletes these documents in production once `expiresAt` passes. */
export const TTL_FIELDS = [
  { collectionGroup: "runs", fieldPath: "expiresAt" },
  { collectionGroup: "events", fieldPath: "expiresAt" },
  { collectionGroup: "metrics", fieldPath: "expiresAt" },
] as const;
