// `npm run bench`: builds the functions, starts the emulators under their own
// project id, runs bench/bench.ts against them and stops them.
import { join } from "node:path";
import { root, step } from "./lib/log.mjs";
import { emulatorsExec, prepare } from "./lib/stack.mjs";

prepare();
step("Starting the emulators and running the benchmark");
const tsx = join(root, "bench", "node_modules", ".bin", "tsx");
process.exit(await emulatorsExec([tsx, join(root, "bench", "bench.ts")], { project: "demo-clementine-bench", quiet: true }));
