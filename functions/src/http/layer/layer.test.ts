import { DocumentId, MAX_DOCUMENT_ID_BYTES, StartTransformPipelineRequest } from "@clementine/shared";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { clip, describeIssues } from "./describeIssues.js";
import { isJsonContentType, isPlainObject } from "./handleRequest.js";
import { defineRoute, matchPath, splitPath } from "./route.js";

const issuesOf = (schema: z.ZodType, value: unknown) => {
  const parsed = schema.safeParse(value);
  if (parsed.success) throw new Error("expected a schema failure");
  return describeIssues(parsed.error);
};

describe("DocumentId encodes Firestore's rules", () => {
  it.each([
    ["a lone high surrogate", "\ud800", /surrogate/],
    ["reversed surrogates", "\udc00\ud800", /surrogate/],
    ["a lone low surrogate inside", "a\udc00b", /surrogate/],
    ["a slash", "a/b", /'\/'/],
    [".", ".", /reserved/],
    ["..", "..", /reserved/],
    ["__name__", "__name__", /reserved/],
    ["a dunder id across a newline", "__a\nb__", /reserved/],
    ["an empty id", "", /empty/],
    ["1,501 bytes", "é".repeat(750) + "a", /1500 bytes/],
  ])("refuses %s", (_, id, why) => {
    const parsed = DocumentId.safeParse(id);
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((i) => i.message).join("; ")).toMatch(why);
  });

  it.each([
    ["a plain id", "abc-123_X"],
    ["an emoji (a valid surrogate pair)", "photo-😀"],
    ["exactly 1,500 bytes", "é".repeat(MAX_DOCUMENT_ID_BYTES / 2)],
    ["dunder on one side only", "__a"],
  ])("accepts %s", (_, id) => {
    expect(DocumentId.safeParse(id).success).toBe(true);
  });
});

describe("describeIssues", () => {
  it("names the field and says what is wrong", () => {
    expect(issuesOf(StartTransformPipelineRequest, { projectId: 42, sessionId: "a/b", stepId: "s" })).toBe(
      "projectId: Invalid input: expected string, received number; sessionId: must not contain '/'",
    );
  });

  it("lists unknown fields by name, a few at most", () => {
    expect(issuesOf(StartTransformPipelineRequest, { projectId: "p", sessionId: "s", stepId: "s", admin: true })).toBe("body: unknown field 'admin'");
    const many = Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`k${i}`, i]));
    const message = issuesOf(z.strictObject({}), many);
    expect(message).toBe("body: unknown fields 'k0', 'k1', 'k2' and 4997 more");
  });

  it("stays small whatever the request: huge keys, deep paths, many issues", () => {
    const hugeKey = "x".repeat(100_000);
    expect(issuesOf(z.strictObject({}), { [hugeKey]: 1 }).length).toBeLessThan(100);
    const deep = z.object({ a: z.record(z.string(), z.record(z.string(), z.number())) });
    const message = issuesOf(deep, { a: { [hugeKey]: { [hugeKey]: "no" } } });
    expect(message.length).toBeLessThan(300);
    const wide = z.array(z.number());
    const many = issuesOf(wide, Array.from({ length: 10_000 }, () => "x"));
    expect(many).toMatch(/^\[0\]: .*; \[1\]: .*; \[2\]: .* \(and 9997 more\)$/);
    expect(many.length).toBeLessThan(400);
  });

  it("says 'path' for path parameters", () => {
    const parsed = z.object({ runId: DocumentId }).safeParse({ runId: ".." });
    expect(describeIssues(parsed.error!, "path")).toBe("runId: is a reserved id");
  });
});

describe("clip", () => {
  it("cuts at code points, never inside a surrogate pair", () => {
    expect(clip("abcdef", 4)).toBe("abc…");
    expect(clip("abcd", 4)).toBe("abcd");
    expect(clip("😀😀😀", 3)).toBe("😀😀😀");
    expect(clip("😀😀😀😀", 3)).toBe("😀😀…");
  });
});

describe("the layer's request checks", () => {
  it.each([
    ["application/json", true],
    ["Application/JSON; charset=UTF-8", true],
    ['application/json; charset="utf-8"', true],
    ["application/json; charset=latin1", false],
    ["application/vnd.api+json", false],
    ["text/plain", false],
    ["multipart/form-data; boundary=x", false],
    [undefined, false],
  ])("content type %s is JSON: %s", (header, json) => {
    expect(isJsonContentType(header)).toBe(json);
  });

  it.each([
    [{}, true],
    [Object.create(null), true],
    [[], false],
    [null, false],
    ["{}", false],
    [Buffer.from("{}"), false],
  ])("%o is a plain object: %s", (value, plain) => {
    expect(isPlainObject(value)).toBe(plain);
  });

  it("matches paths segment by segment, with parameters", () => {
    const route = defineRoute({ method: "GET", path: "/runs/:runId/events", access: "public", handle: () => Promise.resolve({ status: 200, body: {} }) });
    expect(matchPath(route, splitPath("/runs/r1/events"))).toEqual({ runId: "r1" });
    expect(matchPath(route, splitPath("/runs/r1/events/"))).toEqual({ runId: "r1" });
    expect(matchPath(route, splitPath("/runs/r1"))).toBeNull();
    expect(matchPath(route, splitPath("/jobs/r1/events"))).toBeNull();
  });
});
