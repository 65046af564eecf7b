import { RunRecord } from "@clementine/shared";
import { spawn, type ChildProcess } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { deleteApp, initializeApp } from "firebase-admin/app";
import { getFirestore, type DocumentSnapshot, type Firestore } from "firebase-admin/firestore";
import { afterAll, describe, expect, it } from "vitest";
import { emulatorEnv } from "../../scripts/lib/emulators.mjs";
import { bin } from "../../scripts/lib/pnpm.mjs";
import { emulatorsArgs, imageStoreEnv } from "../../scripts/lib/stack.mjs";
import { prepareRun } from "./engine/createRun.js";
import { createEngine } from "./engine/engine.js";
import { runRef } from "./engine/refs.js";
import { testPipelines, watchDoc } from "./test/emulators.js";

// The local stack as a person runs it (`npm start`: the emulators with its
// data kept in a folder, the seed, the scheduler), a second one beside the
// test suite's, on ports 10000 higher. It is stopped with Ctrl+C in the middle
// of a run and started again: the run finishes, and no completed step runs again.
const root = fileURLToPath(new URL("../../", import.meta.url));
const CONFIG = "firebase.restart.json";
/**
 * Its own copy of the built functions: the functions emulator writes the
 * params it resolved from defaults into the source's `.env.local`, which
 * every emulator loading that folder then prefers over its project's own
 * `.env.<project>`. Sharing functions/dist, this stack's values
 * (demo-clementine's) would override the test project's.
 */
const SOURCE = "functions/dist-restart";
const OFFSET = 10_000;
const dataDir = mkdtempSync(join(tmpdir(), "clementine-restart-"));
const running = new Set<ChildProcess>();

function writeConfig() {
  const config = JSON.parse(readFileSync(join(root, "firebase.json"), "utf8")) as { emulators: Record<string, { port?: number; websocketPort?: number }>; functions: Array<{ source: string }> };
  // Beside functions/dist, so that its node_modules link still resolves.
  rmSync(join(root, SOURCE), { recursive: true, force: true });
  cpSync(join(root, "functions", "dist"), join(root, SOURCE), { recursive: true, verbatimSymlinks: true });
  config.functions[0]!.source = SOURCE;
  for (const emulator of Object.values(config.emulators)) {
    if (emulator.port) emulator.port += OFFSET;
    if (emulator.websocketPort) emulator.websocketPort += OFFSET;
  }
  writeFileSync(join(root, CONFIG), JSON.stringify(config, null, 2));
  return config.emulators.firestore!.port!;
}
const firestorePort = writeConfig();

/** Starts the local stack (its project id, its data folder) and resolves once it says it is up, with all it printed. */
function startStack(): Promise<{ stack: ChildProcess; output: string[] }> {
  // Not the suite's emulators: this stack finds its own through its config.
  const env = Object.fromEntries(Object.entries(emulatorEnv()).filter(([key]) => !/EMULATOR_HOST|EMULATOR_HUB|^GCLOUD_PROJECT$|^GOOGLE_CLOUD_PROJECT$|^FIREBASE_CONFIG$/.test(key)));
  const tsx = join(root, "tools", "node_modules", ".bin", "tsx");
  const args = emulatorsArgs([tsx, join(root, "tools", "src", "localStack.ts")], { project: "demo-clementine", dataDir, config: CONFIG });
  // Its own process group, so that a Ctrl+C reaches all of it, as in a terminal.
  const stack = spawn(bin("firebase"), args, { cwd: root, env: { ...env, ...imageStoreEnv({ config: CONFIG }), CLEMENTINE_FIREBASE_CONFIG: CONFIG }, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  running.add(stack);
  const output: string[] = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the local stack did not come up within 90 s:\n${output.join("").slice(-2000)}`)), 90_000);
    const read = (chunk: Buffer) => {
      output.push(chunk.toString());
      if (output.join("").includes("Clementine local stack is up")) {
        clearTimeout(timer);
        resolve({ stack, output });
      }
    };
    stack.stdout.on("data", read);
    stack.stderr.on("data", read);
    stack.on("exit", (code) => reject(new Error(`the local stack exited (${code}) before it was up:\n${output.join("").slice(-2000)}`)));
  });
}

/** Ctrl+C, and wait until everything stopped (the data is exported on the way out). */
function stopStack(stack: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (stack.exitCode !== null) return resolve();
    stack.on("exit", () => {
      running.delete(stack);
      resolve();
    });
    process.kill(-stack.pid!, "SIGINT");
  });
}

/** An Admin SDK client of that stack's Firestore (the suite's own client talks to the suite's emulator). */
function stackFirestore(name: string): { db: Firestore; close: () => Promise<void> } {
  const suite = process.env.FIRESTORE_EMULATOR_HOST;
  process.env.FIRESTORE_EMULATOR_HOST = `127.0.0.1:${firestorePort}`;
  try {
    const app = initializeApp({ projectId: "demo-clementine" }, name);
    return { db: getFirestore(app), close: () => deleteApp(app) };
  } finally {
    process.env.FIRESTORE_EMULATOR_HOST = suite;
  }
}

afterAll(async () => {
  await Promise.all([...running].map(stopStack));
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(join(root, CONFIG), { force: true });
  rmSync(join(root, SOURCE), { recursive: true, force: true });
});

describe("the local stack stopped mid-run and started again", () => {
  it("finishes the run; the step completed before the stop does not run again", async () => {
    const first = await startStack();
    const { db, close } = stackFirestore("restart-before");
    // A three-node transform whose middle node takes 6 s: the stop comes while it executes.
    const projectId = "restart-project";
    await db.doc(`projects/${projectId}/sessions/s1`).set({ experienceId: "e1", guestUid: "g1", jobId: null, jobStatus: null, jobProgress: null, jobError: null });
    const payload = {
      projectId,
      sessionId: "s1",
      experienceId: "e1",
      stepId: "step-1",
      transform: { nodes: [{ id: "n1", type: "stub" }, { id: "n2", type: "stub", config: { simulate: { delayMs: 6000 } } }, { id: "n3", type: "stub" }] },
      sessionInputs: {},
    };
    // Created as the start endpoint would, due at once: the stack's sweeper sends its wake-up call.
    const engine = createEngine({ db, pipelines: testPipelines({ transformTimeoutSeconds: 600 }), enqueue: () => Promise.resolve(), invocationBudgetMs: 60_000, pickupGraceMs: 0 });
    const run = prepareRun(engine, { pipeline: "transform", projectId, payload, correlationId: "s1" });
    if (run.kind !== "ready") throw new Error(run.kind);
    await run.ref.create(run.record);
    const inFlight = (snap: DocumentSnapshot) => snap.get("steps.n1.status") === "completed" && snap.get("lease") !== null;
    const before = RunRecord.parse((await watchDoc(runRef(db, run.ref.id), inFlight, 60_000)).at(-1)!.data());
    expect(before.status).toBe("running");
    await close();

    await stopStack(first.stack);
    expect(existsSync(join(dataDir, "firebase-export-metadata.json"))).toBe(true);

    const second = await startStack();
    expect(second.output.join("")).toContain("1 run(s) left in flight by the last stop resume now");
    const { db: after, close: closeAfter } = stackFirestore("restart-after");
    const ended = (snap: DocumentSnapshot) => ["completed", "failed", "cancelled"].includes(snap.get("status"));
    const finished = RunRecord.parse((await watchDoc(runRef(after, run.ref.id), ended, 60_000)).at(-1)!.data());
    await closeAfter();
    await stopStack(second.stack);

    expect(finished.status).toBe("completed");
    expect(finished.steps.n1).toEqual(before.steps.n1); // memoized: the same attempt, the same times
    expect(finished.steps.n1!.attempts).toBe(1);
    expect(finished.steps.n3!.attempts).toBe(1);
    expect(finished.steps.n2!.status).toBe("completed"); // cut short by the stop, it ran again in full
    expect(finished.executionData).toMatchObject({ projectId, stepId: "step-1" });
  }, 240_000);
});
