import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
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

/**
 * Where the functions keep asset images when they run here: a folder under
 * .local (the Storage emulator cannot start offline), read back through the
 * functions' own `GET /api/images/{token}`, with tokens signed by a secret
 * made for this start. Both the emulated functions and the command see it.
 */
export function imageStoreEnv({ project = "demo-clementine", config = "firebase.json" } = {}) {
  const { port, host } = JSON.parse(readFileSync(join(root, config), "utf8")).emulators.functions;
  return {
    IMAGE_STORE_DIR: join(root, ".local", "images", project),
    IMAGE_URL_BASE: `http://${host}:${port}/${project}/europe-west1/api/images`,
    IMAGE_TOKEN_SECRET: randomBytes(32).toString("base64url"),
  };
}

/** Runs the emulator suite as `emulatorsArgs` says, also stopping it on Ctrl+C. Resolves with the command's exit code. */
export function emulatorsExec(command, options = {}) {
  const env = { ...emulatorEnv(), ...imageStoreEnv(options) };
  const child = spawn(bin("firebase"), emulatorsArgs(command, options), { stdio: "inherit", cwd: root, env });
  // Ctrl+C reaches the whole process group; firebase-tools then stops what it started.
  const ignore = () => {};
  process.on("SIGINT", ignore);
  process.on("SIGTERM", () => child.kill("SIGINT"));
  return new Promise((resolve) => child.on("exit", (code) => resolve(code ?? 1)));
}
