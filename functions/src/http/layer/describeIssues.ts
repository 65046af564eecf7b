import type { z } from "zod";

/** How much of a schema failure a client is told: enough to fix the request, never more than a few hundred bytes. */
export const ISSUE_LIMITS = { issues: 3, segment: 40, path: 120, message: 120, keys: 3 } as const;

/**
 * "sessionId: must not contain '/'; body: unknown field 'admin'" — field
 * paths and our own words, bounded whatever the request: a body with a
 * thousand unknown keys, or one key of 100 KB, gets a message of the same
 * small size as any other.
 */
export function describeIssues(error: z.ZodError, where = "body"): string {
  const shown = error.issues.slice(0, ISSUE_LIMITS.issues).map((issue) => {
    const path = issue.path.length ? pathOf(issue.path) : where;
    return `${path}: ${clip(messageOf(issue), ISSUE_LIMITS.message)}`;
  });
  const more = error.issues.length - shown.length;
  return shown.join("; ") + (more > 0 ? ` (and ${more} more)` : "");
}

function messageOf(issue: z.core.$ZodIssue): string {
  if (issue.code !== "unrecognized_keys") return issue.message;
  const keys = issue.keys.slice(0, ISSUE_LIMITS.keys).map((key) => `'${clip(key, ISSUE_LIMITS.segment)}'`);
  const more = issue.keys.length - keys.length;
  return `unknown field${issue.keys.length > 1 ? "s" : ""} ${keys.join(", ")}${more > 0 ? ` and ${more} more` : ""}`;
}

function pathOf(path: PropertyKey[]): string {
  const joined = path.map((segment) => (typeof segment === "number" ? `[${segment}]` : clip(String(segment), ISSUE_LIMITS.segment))).join(".");
  return clip(joined.replaceAll(".[", "["), ISSUE_LIMITS.path);
}

/** At most `max` code points (never half a surrogate pair), with an ellipsis when cut. */
export function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  const points: string[] = [];
  for (const point of text) {
    points.push(point);
    if (points.length > max) return `${points.slice(0, max - 1).join("")}…`;
  }
  return text;
}
