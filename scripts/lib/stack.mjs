import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { emulatorEnv } from "./emulators.mjs";
import { fail, root, step } from "./log.mjs";
import { bin, ensureWorkspace, pnpm } from "./pnpm.mjs";

export const EMULATORS = "functions,firestore,tasks,auth,pubsub,hosting";

/** Installs what is missing and builds functions/dist, which the emulator loads, and the console, which Hosting serves. */
export function prepare() {
  ensureWorkspace();
  step("Building functions");
  if (pnpm(["--filter", "@clementine/functions", "run", "build"]) !== 0) fail("functions build failed");
  step("Building the console");
  if (pnpm(["--filter", "@clementine/console", "run", "build", "--logLevel", "warn"]) !== 0) fail("console build failed");
}

const quote = (s) => `'${s.replaceAll("'", "'\\''")}'`;

/**
 * The `firebase` arguments that start the emulator suite, run `command` (an
 * argv array) while it is up, then stop every emulator. With `dataDir`,
 * Firestore and Auth data survive from one run to the next; `config` names
 * another firebase.json (in the repository's root); `only` other emulators.
 */
export function emulatorsArgs(command, { project, quiet = false, dataDir, config, only = EMULATORS } = {}) {
  const args = ["emulators:exec", "--only", only];
  if (project) args.push("--project", project);
  if (config) args.push("--config", config);
  // Keeps the data across restarts: imported on start (once there is some), exported on exit.
  if (dataDir) {
    if (existsSync(join(dataDir, "firebase-export-metadata.json"))) args.push("--import", dataDir);
    args.push("--export-on-exit", dataDir);
  }
  if (quiet) args.push("--log-verbosity", "QUIET");
  args.push(command.map(quote).join(" "));
  return args;
}

/** Runs the emulator suite as `emulatorsArgs` says, also stopping it on Ctrl+C. Resolves with the command's exit code. */
export function emulatorsExec(command, options = {}) {
  const child = spawn(bin("firebase"), emulatorsArgs(command, options), { stdio: "inherit", cwd: root, env: emulatorEnv() });
  // Ctrl+C reaches the whole process group; firebase-tools then stops what it started.
  const ignore = () => {};
  process.on("SIGINT", ignore);
  process.on("SIGTERM", () => child.kill("SIGINT"));
  return new Promise((resolve) => child.on("exit", (code) => resolve(code ?? 1)));
}
