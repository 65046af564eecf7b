// `npm start`: the local stack. Installs what is missing, builds the
// functions, starts the emulator suite with demo data and a scheduler, and
// stops all of it on Ctrl+C.
import { join } from "node:path";
import { root, step } from "./lib/log.mjs";
import { emulatorsExec, EMULATORS, prepare } from "./lib/stack.mjs";

prepare();
step(`Starting the emulators: ${EMULATORS}`);
const tsx = join(root, "tools", "node_modules", ".bin", "tsx");
process.exit(await emulatorsExec([tsx, join(root, "tools", "src", "localStack.ts")]));
