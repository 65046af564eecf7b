import { z } from "zod";

/** True unless the string holds a lone UTF-16 surrogate, which has no UTF-8 form and which Firestore refuses. */
export const isWellFormed = (s: string) => !/[\uD800-\uDFFF]/u.test(s);

/** Free text a client sends that the server stores: any string Firestore can hold. */
export const StoredText = z.string().refine(isWellFormed, "must be valid Unicode (no lone surrogate)");

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
  .refine(isWellFormed, "must be valid Unicode (no lone surrogate)")
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

/** Firestore nests maps and arrays at most 20 deep. */
const MAX_DEPTH = 20;

/**
 * Why Firestore would refuse to store `value`, with the path to the culprit,
 * or null: a string or map key that is not valid Unicode, a reserved key
 * (`__…__`), an empty key, or nesting past 20 levels. Checked before a
 * caller's data is written, so a bad field is a 400, not a failed commit.
 */
export function unstorable(value: unknown, path: readonly (string | number)[] = []): { path: (string | number)[]; message: string } | null {
  if (typeof value === "string") return isWellFormed(value) ? null : { path: [...path], message: "must be valid Unicode (no lone surrogate)" };
  if (typeof value !== "object" || value === null) return null;
  if (path.length >= MAX_DEPTH) return { path: [...path], message: `nests deeper than ${MAX_DEPTH} levels` };
  const entries: Array<[string | number, unknown]> = Array.isArray(value) ? value.map((v, i) => [i, v]) : Object.entries(value);
  for (const [key, child] of entries) {
    if (typeof key === "string") {
      if (key === "") return { path: [...path], message: "has an empty field name" };
      if (!isWellFormed(key)) return { path: [...path], message: "has a field name that is not valid Unicode" };
      if (/^__.*__$/s.test(key)) return { path: [...path, key], message: "is a reserved field name" };
    }
    const issue = unstorable(child, [...path, key]);
    if (issue) return issue;
  }
  return null;
}
