import { z } from "zod";

/** A Firestore document id as clients may send it: one path segment, no reserved names. */
export const DocumentId = z
  .string()
  .min(1, "must not be empty")
  .max(256, "must be at most 256 characters")
  .refine((s) => !s.includes("/"), "must not contain '/'")
  .refine((s) => s !== "." && s !== ".." && !/^__.*__$/.test(s), "is a reserved id");

/**
 * A Firestore Timestamp from either SDK (admin or client). Schemas stay free of
 * both SDKs; the code that writes passes real Timestamps.
 */
export interface TimestampLike {
  readonly seconds: number;
  readonly nanoseconds: number;
  toMillis(): number;
}

export const Timestamp = z.custom<TimestampLike>(
  (v) => typeof v === "object" && v !== null && typeof (v as TimestampLike).toMillis === "function",
  "must be a Firestore Timestamp",
);
