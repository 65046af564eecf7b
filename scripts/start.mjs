// `npm start`: the local stack. Installs what is missing, builds the
// functions, starts the emulator suite with demo data and a scheduler, and
// stops all of it on Ctrl+C. Data persists in .local/emulator-data across
// restarts; `npm start -- --fresh` starts empty.
import { rmSync } from "node:fs";
import { join } from "node:path";
import { root, step } from "./lib/log.mjs";
import { emulatorsExec, EMULATORS, prepare } from "./lib/stack.mjs";

const dataDir = join(root, ".local", "emulator-data");
if (process.argv.includes("--fresh")) {
  rmSync(dataDir, { recursive: true, force: true });
  step("Starting fresh: the previous run's data is gone");
}
prepare();
step(`Starting the emulators: ${EMULATORS} (data kept in ${dataDir})`);
const tsx = join(root, "tools", "node_modules", ".bin", "tsx");
process.exit(await emulatorsExec([tsx, join(root, "tools", "src", "localStack.ts")], { dataDir }));
