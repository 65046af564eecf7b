// `npm test`: installs what is missing, builds the functions, starts the
// emulator suite, runs every test against it, stops it, and prints
// "N passed, N failed". Extra arguments go to vitest (e.g. a file filter).
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { emulatorEnv } from "./lib/emulators.mjs";
import { fail, root, step } from "./lib/log.mjs";
import { bin, ensureWorkspace, pnpm } from "./lib/pnpm.mjs";

export const TEST_PROJECT = "demo-clementine-test";

ensureWorkspace();
step("Building functions");
if (pnpm(["--filter", "@clementine/functions", "run", "build"]) !== 0) fail("functions build failed");

const results = join(root, ".local", "vitest-results.json");
mkdirSync(join(root, ".local"), { recursive: true });
rmSync(results, { force: true });
const quote = (s) => `'${s.replaceAll("'", "'\\''")}'`;
const vitest = [
  join(root, "functions", "node_modules", ".bin", "vitest"),
  "run",
  "--root",
  join(root, "functions"),
  "--reporter=default",
  "--reporter=json",
  `--outputFile.json=${results}`,
  ...process.argv.slice(2),
]
  .map(quote)
  .join(" ");

step(`Starting the emulators (project ${TEST_PROJECT}) and running the tests`);
const run = spawnSync(
  bin("firebase"),
  ["emulators:exec", "--project", TEST_PROJECT, "--only", "functions,firestore,tasks,auth", vitest],
  { stdio: "inherit", cwd: root, env: emulatorEnv() },
);

let passed = 0;
let failed = 0;
if (existsSync(results)) {
  const report = JSON.parse(readFileSync(results, "utf8"));
  passed = report.numPassedTests;
  failed = report.numFailedTests + (report.numFailedTestSuites > 0 && report.numFailedTests === 0 ? 1 : 0);
} else {
  failed = 1; // the emulators or vitest never got to report
}
if (run.status !== 0 && failed === 0) failed = 1;
console.log(`\n${passed} passed, ${failed} failed`);
process.exit(failed === 0 && run.status === 0 ? 0 : 1);
