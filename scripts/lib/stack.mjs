import { spawn } from "node:child_process";
import { emulatorEnv } from "./emulators.mjs";
import { fail, root, step } from "./log.mjs";
import { bin, ensureWorkspace, pnpm } from "./pnpm.mjs";

export const EMULATORS = "functions,firestore,tasks,auth";

/** Installs what is missing and builds functions/dist, which the emulator loads. */
export function prepare() {
  ensureWorkspace();
  step("Building functions");
  if (pnpm(["--filter", "@clementine/functions", "run", "build"]) !== 0) fail("functions build failed");
}

const quote = (s) => `'${s.replaceAll("'", "'\\''")}'`;

/**
 * Starts the emulator suite, runs `command` (an argv array) while it is up,
 * then stops every emulator, also on Ctrl+C. Resolves with the command's exit code.
 */
export function emulatorsExec(command, { project, quiet = false } = {}) {
  const args = ["emulators:exec", "--only", EMULATORS];
  if (project) args.push("--project", project);
  if (quiet) args.push("--log-verbosity", "QUIET");
  args.push(command.map(quote).join(" "));
  const child = spawn(bin("firebase"), args, { stdio: "inherit", cwd: root, env: emulatorEnv() });
  // Ctrl+C reaches the whole process group; firebase-tools then stops what it started.
  const ignore = () => {};
  process.on("SIGINT", ignore);
  process.on("SIGTERM", () => child.kill("SIGINT"));
  return new Promise((resolve) => child.on("exit", (code) => resolve(code ?? 1)));
}
