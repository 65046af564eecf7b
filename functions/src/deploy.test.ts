// The deployable functions package (functions/dist) must install and load on
// its own: Cloud Build sees only that folder, never the pnpm workspace.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, symlinkSync, mkdirSync, cpSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { DUE_RUNS_INDEX } from "./engine/sweepRuns.js";
import { WAITERS_INDEX } from "./engine/admission.js";
import { HISTORY_FILTER_SETS, historyIndex } from "./engine/history.js";
import { METRICS_INDEXES } from "./engine/metrics.js";
import { TTL_FIELDS } from "./engine/retention.js";

const functionsDir = new URL("..", import.meta.url).pathname;
const dist = join(functionsDir, "dist");
const manifest = JSON.parse(readFileSync(join(dist, "package.json"), "utf8")) as {
  dependencies: Record<string, string>;
  devDependencies?: Record<string, string>;
};
const work = mkdtempSync(join(tmpdir(), "clementine-deploy-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("the built functions package (npm test builds it first)", () => {
  it("declares only registry dependencies: no workspace:, file: or link: specifiers", () => {
    const specs = Object.values({ ...manifest.dependencies, ...manifest.devDependencies });
    expect(specs.length).toBeGreaterThan(0);
    for (const spec of specs) expect(spec).not.toMatch(/^(workspace|file|link|portal):/);
    expect(manifest.devDependencies).toBeUndefined();
  });

  it("imports nothing it does not declare, and inlines the workspace's shared code", () => {
    const bundle = readFileSync(join(dist, "index.js"), "utf8");
    const imported = new Set([...bundle.matchAll(/(?:from|import)\s*\(?\s*"([^".][^"]*)"/g)].map((m) => m[1]!));
    const packages = [...imported].filter((s) => !s.startsWith("node:")).map((s) => (s.startsWith("@") ? s.split("/").slice(0, 2) : s.split("/").slice(0, 1)).join("/"));
    for (const name of packages) expect(Object.keys(manifest.dependencies)).toContain(name);
    expect(bundle).not.toContain("@clementine/shared");
  });

  it("loads from a copy that can see only its declared dependencies, exporting every function", () => {
    const copy = join(work, "functions");
    cpSync(dist, copy, { recursive: true, filter: (src) => !src.endsWith("node_modules") });
    mkdirSync(join(copy, "node_modules"));
    for (const name of Object.keys(manifest.dependencies)) {
      if (name.startsWith("@")) mkdirSync(join(copy, "node_modules", name.split("/")[0]!), { recursive: true });
      symlinkSync(join(functionsDir, "node_modules", name), join(copy, "node_modules", name));
    }
    const r = spawnSync(process.execPath, ["--input-type=module", "-e", "const m = await import('./index.js'); console.log(JSON.stringify(Object.keys(m).sort()))"], {
      cwd: copy,
      encoding: "utf8",
      env: { ...process.env, NODE_PATH: "" },
    });
    expect(r.stderr).not.toMatch(/Cannot find (module|package)/);
    expect(JSON.parse(r.stdout.trim().split("\n").at(-1)!)).toEqual(["api", "cleanupRuns", "detectorEvents", "pipelineRun", "recordMetrics", "startTransformPipeline", "sweepRuns"]);
  });
});

describe("firestore.indexes.json", () => {
  it("has the composite indexes the sweeper's query needs", () => {
    const { indexes } = JSON.parse(readFileSync(join(functionsDir, "..", "firestore.indexes.json"), "utf8"));
    expect(indexes).toContainEqual(DUE_RUNS_INDEX);
  });

  it("has the indexes of the concurrency queue, the metrics, and every combination of history filters", () => {
    const { indexes } = JSON.parse(readFileSync(join(functionsDir, "..", "firestore.indexes.json"), "utf8"));
    expect(indexes).toContainEqual(WAITERS_INDEX);
    for (const index of METRICS_INDEXES) expect(indexes).toContainEqual(index);
    expect(HISTORY_FILTER_SETS).toHaveLength(8);
    for (const filters of HISTORY_FILTER_SETS) expect(indexes).toContainEqual(historyIndex(filters));
  });

  it("declares the TTL policies that keep the history to 30 days in production", () => {
    const { fieldOverrides } = JSON.parse(readFileSync(join(functionsDir, "..", "firestore.indexes.json"), "utf8"));
    for (const field of TTL_FIELDS) expect(fieldOverrides).toContainEqual(expect.objectContaining({ ...field, ttl: true }));
  });

  it("declares the TTL policy that expires idempotency keys in production", () => {
    const { fieldOverrides } = JSON.parse(readFileSync(join(functionsDir, "..", "firestore.indexes.json"), "utf8"));
    expect(fieldOverrides).toContainEqual(expect.objectContaining({ collectionGroup: "idempotencyKeys", fieldPath: "expiresAt", ttl: true }));
  });
});
