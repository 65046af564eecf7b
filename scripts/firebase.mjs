// `node scripts/firebase.mjs <args>`: the workspace's own firebase-tools, with
// Java 21+ and the offline Firestore emulator set up first.
import { spawnSync } from "node:child_process";
import { emulatorEnv } from "./lib/emulators.mjs";
import { bin, ensureWorkspace } from "./lib/pnpm.mjs";
import { root } from "./lib/log.mjs";

ensureWorkspace();
const r = spawnSync(bin("firebase"), process.argv.slice(2), { stdio: "inherit", cwd: root, env: emulatorEnv() });
process.exit(r.status ?? 1);
