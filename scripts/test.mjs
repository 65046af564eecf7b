// `npm test`: installs what is missing, builds the functions, starts the
// emulator suite, runs every test against it, stops it, and prints
// "N passed, N failed". Extra arguments go to vitest (e.g. a folder filter).
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { root, step } from "./lib/log.mjs";
import { ensureChromium } from "./lib/chromium.mjs";
import { emulatorsExec, prepare } from "./lib/stack.mjs";

const TEST_PROJECT = "demo-clementine-test";

prepare();
ensureChromium();
const results = join(root, ".local", "vitest-results.json");
mkdirSync(join(root, ".local"), { recursive: true });
rmSync(results, { force: true });
const vitest = [
  // The emulators run with NODE_ENV=production (see emulatorEnv); the tests do not.
  "env",
  "NODE_ENV=test",
  join(root, "functions", "node_modules", ".bin", "vitest"),
  "run",
  "--root",
  join(root, "functions"),
  "--reporter=default",
  "--reporter=json",
  `--outputFile.json=${results}`,
  ...process.argv.slice(2),
];

step(`Starting the emulators (project ${TEST_PROJECT}) and running the tests`);
const code = await emulatorsExec(vitest, { project: TEST_PROJECT, quiet: true });

let passed = 0;
let failed = 0;
if (existsSync(results)) {
  const report = JSON.parse(readFileSync(results, "utf8"));
  passed = report.numPassedTests;
  // A file that fails to load has no failed tests of its own: count it once.
  failed = report.numFailedTests + (report.numFailedTestSuites > 0 && report.numFailedTests === 0 ? 1 : 0);
} else {
  failed = 1; // the emulators or vitest never got to report
}
if (code !== 0 && failed === 0) failed = 1;
console.log(`\n${passed} passed, ${failed} failed`);
process.exit(failed === 0 && code === 0 ? 0 : 1);
