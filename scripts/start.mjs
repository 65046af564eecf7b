// `npm start`: the local stack. Installs what is missing, builds the
// functions, starts the emulator suite with demo data and a scheduler, and
// stops all of it on Ctrl+C.
import { spawn } from "node:child_process";
import { join } from "node:path";
import { emulatorEnv } from "./lib/emulators.mjs";
import { fail, root, step } from "./lib/log.mjs";
import { bin, ensureWorkspace, pnpm } from "./lib/pnpm.mjs";

ensureWorkspace();
step("Building functions");
if (pnpm(["--filter", "@clementine/functions", "run", "build"]) !== 0) fail("functions build failed");

step("Starting the emulators: auth, firestore, functions, tasks");
const tsx = join(root, "tools", "node_modules", ".bin", "tsx");
const stack = spawn(
  bin("firebase"),
  ["emulators:exec", "--only", "functions,firestore,tasks,auth", `'${tsx}' '${join(root, "tools", "src", "localStack.ts")}'`],
  { stdio: "inherit", cwd: root, env: emulatorEnv() },
);
// Ctrl+C reaches the whole process group; firebase-tools then stops every emulator it started.
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => {});
stack.on("exit", (code) => process.exit(code ?? 0));
