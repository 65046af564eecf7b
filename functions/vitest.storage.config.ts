import { defineConfig } from "vitest/config";

/** `npm run test:storage`: only the Cloud Storage adapter's contract, against the Storage emulator. */
export default defineConfig({
  test: { include: ["src/**/*.storage-test.ts"], testTimeout: 30_000 },
});
