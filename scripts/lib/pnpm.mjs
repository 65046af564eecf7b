// Zero-dependency bootstrap: every root npm script starts here, so a fresh clone
// with only Node and npm gets the pinned pnpm and the workspace installed.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fail, root, step } from "./log.mjs";

const PNPM_VERSION = JSON.parse(readFileSync(join(root, "package.json"), "utf8"))
  .packageManager.replace(/^pnpm@/, "");
const toolsDir = join(root, ".tools");
const pnpmBin = join(toolsDir, "node_modules", "pnpm", "bin", "pnpm.cjs");

function ensurePnpm() {
  if (existsSync(pnpmBin)) return;
  step(`Installing pnpm ${PNPM_VERSION} into .tools/ (once)`);
  const r = spawnSync(
    "npm",
    ["install", "--prefix", toolsDir, "--no-save", "--no-audit", "--no-fund", `pnpm@${PNPM_VERSION}`],
    { stdio: "inherit" },
  );
  if (r.status !== 0 || !existsSync(pnpmBin)) fail(`could not install pnpm ${PNPM_VERSION} with npm`);
}

/** Runs the workspace's pinned pnpm; returns its exit code. */
export function pnpm(args, options = {}) {
  ensurePnpm();
  const r = spawnSync(process.execPath, [pnpmBin, ...args], { stdio: "inherit", cwd: root, ...options });
  return r.status ?? 1;
}

/** Installs the workspace when the lockfile changed since the last install (offline-safe otherwise). */
export function ensureWorkspace() {
  const lock = join(root, "pnpm-lock.yaml");
  const installed = join(root, "node_modules", ".pnpm", "lock.yaml");
  if (existsSync(lock) && existsSync(installed) && readFileSync(lock, "utf8") === readFileSync(installed, "utf8")) {
    return;
  }
  step("Installing workspace dependencies");
  const args = ["install", "--reporter=append-only"];
  if (existsSync(lock)) args.push("--frozen-lockfile");
  if (pnpm(args) !== 0) fail("pnpm install failed");
}

/** Absolute path of a binary installed in the workspace root's node_modules/.bin. */
export function bin(name) {
  return join(root, "node_modules", ".bin", name);
}
