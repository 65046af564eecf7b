import { describe, expect, it } from "vitest";
import { PIPELINES } from "../../../packages/console/src/pipelines.js";
import { testPipelines } from "../test/emulators.js";

describe("the pipeline registry", () => {
  it("is what the console offers in its filters", () => {
    expect(testPipelines().map((p) => p.definition.name).sort()).toEqual([...PIPELINES].sort());
  });
});
