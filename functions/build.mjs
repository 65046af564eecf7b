// Bundles the functions into dist/ as a package Cloud Build can install on its
// own: workspace code (@clementine/shared) is inlined, npm dependencies stay
// external and are listed in a package.json free of workspace: specifiers.
import { build } from "esbuild";
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";

const pkg = JSON.parse(readFileSync("package.json", "utf8"));
const external = Object.keys(pkg.dependencies);

// From scratch: a stale file (say, an old .env.local) must not outlive its source.
rmSync("dist", { recursive: true, force: true });
mkdirSync("dist", { recursive: true });
await build({
  entryPoints: ["src/index.ts"],
  outfile: "dist/index.js",
  bundle: true,
  platform: "node",
  target: "node20",
  format: "esm",
  sourcemap: true,
  external: external.flatMap((name) => [name, `${name}/*`]),
  logLevel: "warning",
});

const deployable = {
  name: pkg.name.replace(/^@[^/]+\//, "clementine-"),
  version: pkg.version,
  private: true,
  type: "module",
  main: "index.js",
  engines: pkg.engines,
  dependencies: pkg.dependencies,
};
writeFileSync("dist/package.json", `${JSON.stringify(deployable, null, 2)}\n`);

// Param values (.env, .env.<projectId>) are read from the deployed source directory.
for (const file of readdirSync(".").filter((f) => f.startsWith(".env"))) copyFileSync(file, `dist/${file}`);

// The emulator loads dist/ in place: let it find the SDK (and everything else)
// in functions/node_modules. Deploys skip node_modules and install from the
// package.json above instead.
symlinkSync("../node_modules", "dist/node_modules", "junction");
