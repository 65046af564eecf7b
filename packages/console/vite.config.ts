import preact from "@preact/preset-vite";
import { defineConfig } from "vite";

// The console is static files: Firebase Hosting (or its emulator) serves them
// and rewrites /api/** to the admin API function.
export default defineConfig({
  plugins: [preact()],
  build: { outDir: "dist", emptyOutDir: true, sourcemap: true, chunkSizeWarningLimit: 1200 },
});
