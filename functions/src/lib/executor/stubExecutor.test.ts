import { describe, expect, it } from "vitest";
import { runStubNode } from "./stubExecutor.js";

const context = (signal = new AbortController().signal) => ({ signal, sessionInputs: {} });

describe("runStubNode", () => {
  it("finishes a plain node with a stub result", async () => {
    await expect(runStubNode({ id: "a", type: "resize" }, context())).resolves.toEqual({ stub: true, type: "resize" });
  });

  it("throws for simulate.fail", async () => {
    await expect(runStubNode({ id: "a", type: "t", config: { simulate: { fail: "error" } } }, context())).rejects.toThrow(/simulated failure in node a/);
  });

  it("stops a slow node as soon as the job's signal aborts", async () => {
    const controller = new AbortController();
    const running = runStubNode({ id: "a", type: "t", config: { simulate: { delayMs: 60_000 } } }, context(controller.signal));
    controller.abort(new Error("deadline"));
    await expect(running).rejects.toThrow("deadline");
  });
});
