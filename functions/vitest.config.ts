import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "../packages/*/src/**/*.test.ts"],
    // One file at a time: the functions emulator starts a process per request in
    // flight, and the sweeper tests look at every project's jobs.
    fileParallelism: false,
    testTimeout: 30_000,
    silent: "passed-only",
    hookTimeout: 60_000,
  },
});
