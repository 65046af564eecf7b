// `npm run bench`: builds the functions and the bare baseline, starts a fresh
// emulator stack under its own project id with both loaded, runs
// bench/bench.ts against it and stops it. `npm run bench -- --queue` runs the
// queue controls' bench (bench/queue.ts) instead, `-- --assets` the AI asset
// queue's (bench/assets.ts).
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fail, root, step } from "./lib/log.mjs";
import { emulatorsExec, prepare } from "./lib/stack.mjs";

prepare();
step("Building the bare baseline");
if (spawnSync(process.execPath, [join(root, "bench", "baseline", "build.mjs")], { stdio: "inherit" }).status !== 0) fail("baseline build failed");

// firebase.json plus the baseline's codebase: the baseline is never part of a deploy.
const config = JSON.parse(readFileSync(join(root, "firebase.json"), "utf8"));
for (const codebase of config.functions) delete codebase.predeploy;
config.functions.push({ source: "bench/baseline/dist", codebase: "baseline", runtime: "nodejs20" });
writeFileSync(join(root, "firebase.bench.json"), `${JSON.stringify(config, null, 2)}\n`);

step("Starting the emulators and running the benchmark");
const tsx = join(root, "bench", "node_modules", ".bin", "tsx");
const script = process.argv.includes("--queue") ? "queue.ts" : process.argv.includes("--assets") ? "assets.ts" : "bench.ts";
process.exit(await emulatorsExec([tsx, join(root, "bench", script)], { project: "demo-clementine-bench", quiet: true, config: "firebase.bench.json" }));
