// `npm run deploy -- --project <id> [other firebase deploy flags]`: builds the
// standalone functions package and the console, and deploys functions,
// rules, indexes and the console's Hosting site.
import { spawnSync } from "node:child_process";
import { fail, root, step } from "./lib/log.mjs";
import { bin } from "./lib/pnpm.mjs";
import { prepare } from "./lib/stack.mjs";

const args = process.argv.slice(2);
const at = args.findIndex((a) => a === "--project" || a === "-P");
const project = at >= 0 ? args[at + 1] : undefined;
const passThrough = at >= 0 ? args.filter((_, i) => i !== at && i !== at + 1) : args;
if (!project) fail("Say which Firebase project to deploy to: npm run deploy -- --project <id>");
if (project.startsWith("demo-")) fail(`${project} is a demo project: it exists only in the emulators and cannot be deployed to.`);

prepare();
step(`Deploying functions, Firestore rules and indexes, and the console to ${project}`);
const r = spawnSync(bin("firebase"), ["deploy", "--only", "functions,firestore,storage,hosting", "--project", project, ...passThrough], {
  stdio: "inherit",
  cwd: root,
});
process.exit(r.status ?? 1);
