// Proves what `firebase deploy` uploads can be installed by Cloud Build on its
// own: copies functions/dist out of the workspace, installs it from the npm
// registry with plain npm, and loads it. Needs the registry, so it runs in
// .ci/run, not in the (offline) test suite.
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fail, root, step } from "./lib/log.mjs";
import { prepare } from "./lib/stack.mjs";

prepare();
const work = mkdtempSync(join(tmpdir(), "clementine-deployable-"));
try {
  cpSync(join(root, "functions", "dist"), work, { recursive: true, filter: (src) => !src.endsWith("node_modules") });
  step(`npm install in a copy of functions/dist (${work})`);
  const install = spawnSync("npm", ["install", "--omit=dev", "--no-audit", "--no-fund", "--loglevel=error"], { cwd: work, stdio: "inherit" });
  if (install.status !== 0) fail("the deployable package does not install on its own");
  const load = spawnSync(
    process.execPath,
    ["--input-type=module", "-e", "const m = await import('./index.js'); console.log(Object.keys(m).sort().join(', '))"],
    // An emulator host keeps the Admin SDK from looking for cloud credentials; nothing is contacted at load.
    { cwd: work, encoding: "utf8", env: { ...process.env, FIRESTORE_EMULATOR_HOST: "127.0.0.1:1", GCLOUD_PROJECT: "demo-check" } },
  );
  if (load.status !== 0) fail(`the installed package does not load:\n${load.stderr}`);
  step(`installed and loaded on its own; exports: ${load.stdout.trim()}`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
