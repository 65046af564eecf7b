// `npm run test:storage`: the image store's contract against the Cloud
// Storage for Firebase emulator, for machines that can start it (it needs a
// rules-runtime jar that firebase-tools downloads, so not offline ones).
// `npm test` runs the same contract against the filesystem store.
import { join } from "node:path";
import { root, step } from "./lib/log.mjs";
import { ensureWorkspace } from "./lib/pnpm.mjs";
import { emulatorsExec } from "./lib/stack.mjs";

ensureWorkspace();
step("Starting the Storage emulator and running the image store's contract against it");
const vitest = ["env", "NODE_ENV=test", join(root, "functions", "node_modules", ".bin", "vitest"), "run", "--root", join(root, "functions"), "--config", "vitest.storage.config.ts"];
process.exit(await emulatorsExec(vitest, { project: "demo-clementine-test", only: "storage" }));
