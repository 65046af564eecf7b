import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fail, step } from "./log.mjs";

/** Debian's Chromium: the console's browser test drives it with playwright-core (`npx playwright install` cannot download here). */
export const CHROMIUM = "/usr/bin/chromium";

/** Installs Debian's chromium when it is missing and this user may (root with apt-get); otherwise says what to do. */
export function ensureChromium() {
  if (existsSync(CHROMIUM)) return;
  const apt = (args) => spawnSync("apt-get", args, { stdio: ["ignore", "ignore", "inherit"], env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } }).status === 0;
  if (process.getuid?.() !== 0 || spawnSync("apt-get", ["--version"], { stdio: "ignore" }).status !== 0) {
    fail(`The console's browser test needs Chromium at ${CHROMIUM}: install Debian's package (sudo apt-get install chromium) and run again.`);
  }
  step("Installing Debian's chromium for the console's browser test (once)");
  if (!apt(["install", "-y", "--no-install-recommends", "chromium"]) && !(apt(["update"]) && apt(["install", "-y", "--no-install-recommends", "chromium"]))) {
    fail("apt-get could not install chromium; install it by hand (apt-get install chromium) and run again.");
  }
}
