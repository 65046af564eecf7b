// Bundles the baseline into baseline/dist for the functions emulator (npm run bench only).
import { build } from "esbuild";
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const dist = join(here, "dist");
rmSync(dist, { recursive: true, force: true });
mkdirSync(dist, { recursive: true });
const dependencies = { "firebase-admin": "~13.9.0", "firebase-functions": "~7.4.0" };
await build({
  entryPoints: [join(here, "src", "index.ts")],
  outfile: join(dist, "index.js"),
  bundle: true,
  platform: "node",
  target: "node20",
  format: "esm",
  external: Object.keys(dependencies).flatMap((name) => [name, `${name}/*`]),
  logLevel: "warning",
});
writeFileSync(join(dist, "package.json"), `${JSON.stringify({ name: "clementine-bench-baseline", private: true, type: "module", main: "index.js", engines: { node: "20" }, dependencies }, null, 2)}\n`);
// The emulator loads dist/ in place: it finds the SDKs in bench/node_modules.
symlinkSync("../../node_modules", join(dist, "node_modules"), "junction");
