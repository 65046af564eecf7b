import { z } from "zod";

/** Firestore's limit on a document id, in UTF-8 bytes. */
export const MAX_DOCUMENT_ID_BYTES = 1500;

/**
 * A Firestore document id as clients may send it, by Firestore's own rules:
 * valid UTF-8 (a lone UTF-16 surrogate is not), at most 1,500 bytes, one path
 * segment, not `.`, `..` or `__…__`. An id that breaks one of them would make
 * the Firestore client fail (or retry a transaction) instead of a clean 400.
 */
export const DocumentId = z
  .string()
  .min(1, "must not be empty")
  .refine((s) => !/[\uD800-\uDFFF]/u.test(s), "must be valid Unicode (no lone surrogate)")
  .refine((s) => utf8Length(s) <= MAX_DOCUMENT_ID_BYTES, `must be at most ${MAX_DOCUMENT_ID_BYTES} bytes`)
  .refine((s) => !s.includes("/"), "must not contain '/'")
  .refine((s) => s !== "." && s !== ".." && !/^__.*__$/s.test(s), "is a reserved id");

/** UTF-8 length of a well-formed string, without encoding it (works in browsers too). */
export function utf8Length(s: string): number {
  let bytes = 0;
  for (const char of s) {
    const code = char.codePointAt(0)!;
    bytes += code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
  }
  return bytes;
}

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
