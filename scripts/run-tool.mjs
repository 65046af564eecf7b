// `node scripts/run-tool.mjs <file.ts> [args]`: runs a TypeScript tool with tsx.
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { root } from "./lib/log.mjs";
import { ensureWorkspace } from "./lib/pnpm.mjs";

ensureWorkspace();
const [file, ...args] = process.argv.slice(2);
const r = spawnSync(join(root, "tools", "node_modules", ".bin", "tsx"), [join(root, file), ...args], { stdio: "inherit", cwd: root });
process.exit(r.status ?? 1);
