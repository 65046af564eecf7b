// `npm run build|typecheck|lint` → the workspace's own pnpm, installed on first use.
import { ensureWorkspace, pnpm } from "./lib/pnpm.mjs";

ensureWorkspace();
process.exit(pnpm(process.argv.slice(2)));
