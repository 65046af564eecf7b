import { describe, expect, it } from "vitest";
import { unstorable } from "./ids.js";

describe("unstorable", () => {
  it.each([
    ["a lone surrogate in a nested string", { a: [{ b: "x\ud800" }] }, ["a", 0, "b"], /valid Unicode/],
    ["a reserved key", { a: { __name__: 1 } }, ["a", "__name__"], /reserved/],
    ["an empty key", { a: { "": 1 } }, ["a"], /empty field name/],
    ["a key with a lone surrogate", { "k\udc00": 1 }, [], /field name that is not valid Unicode/],
    ["nesting past 20 levels", JSON.parse("[".repeat(22) + "]".repeat(22)), Array(20).fill(0), /deeper than 20/],
  ])("finds %s, with its path", (_, value, path, message) => {
    expect(unstorable(value)).toEqual({ path, message: expect.stringMatching(message) });
  });

  it("accepts what Firestore stores", () => {
    expect(unstorable({ taskId: "track-😀", n: 1, list: [null, true, { x: "é" }], __partial: "ok" })).toBeNull();
  });
});
