// `npm run demo:video`: a detector's SD card event, and the execution it
// starts, followed live with a Firestore listener as an admin's screen would:
// scan_sd, then create_job and copy_files side by side (they run in
// parallel), then the merged execution data. Sends the event twice to show
// that a resend starts nothing new.
//   --sd-path P      where the card is mounted (default /media/demo-card)
//   --fail           make copy_files fail (its retries run out; the run fails naming it)
import { ApiErrorBody, RunRecord, VIDEO_INGEST_STEPS, type StepRecord } from "@clementine/shared";
import { initializeApp } from "firebase/app";
import { connectAuthEmulator, getAuth, signInWithEmailAndPassword } from "firebase/auth";
import { connectFirestoreEmulator, doc, getFirestore, onSnapshot, terminate } from "firebase/firestore";
import { parseArgs } from "node:util";
import { AUTH_HOST, FIREBASE_PROJECT, FIRESTORE, functionUrl } from "./emulatorConfig.js";
import { DEMO } from "./seed.js";

const { values } = parseArgs({ options: { "sd-path": { type: "string", default: "/media/demo-card" }, fail: { type: "boolean" } } });

const app = initializeApp({ projectId: FIREBASE_PROJECT, apiKey: "demo-key", authDomain: `${FIREBASE_PROJECT}.firebaseapp.com` });
const auth = getAuth(app);
connectAuthEmulator(auth, AUTH_HOST, { disableWarnings: true });
const db = getFirestore(app);
connectFirestoreEmulator(db, FIRESTORE.host, FIRESTORE.port);

function stop(message: string): never {
  console.error(message);
  process.exit(1);
}

const admin = await signInWithEmailAndPassword(auth, DEMO.admin.email, DEMO.admin.password).catch(() =>
  stop(`Could not sign in as ${DEMO.admin.email} at ${AUTH_HOST}. Start the local stack first: npm start`),
);
const event = {
  type: "detector:sd_inserted",
  message_id: `sd-${Date.now().toString(36)}`,
  sd_path: values["sd-path"],
  simulate: { fileDelayMs: 700, ...(values.fail ? { failStep: "copy_files" } : {}) },
};
const send = async () => {
  const res = await fetch(`${functionUrl("api")}/projects/${DEMO.projectId}/detector-events`, {
    method: "POST",
    headers: { authorization: `Bearer ${await admin.user.getIdToken()}`, "content-type": "application/json" },
    body: JSON.stringify(event),
  }).catch(() => stop("Could not reach the admin API. Is the local stack up (npm start)?"));
  const body = (await res.json()) as { executionId?: string; created?: boolean };
  if (res.status !== 202 && res.status !== 200) stop(`The API answered ${res.status}: ${ApiErrorBody.safeParse(body).data?.error.message ?? JSON.stringify(body)}`);
  return { status: res.status, executionId: body.executionId!, created: body.created };
};

console.log(`Signed in as the seeded admin ${DEMO.admin.email}`);
console.log(`The detector sends detector:sd_inserted ${JSON.stringify({ message_id: event.message_id, sd_path: event.sd_path })}`);
const first = await send();
console.log(`  → ${first.status}: execution ${first.executionId} (created: ${first.created})`);
const again = await send();
console.log(`  … and again (a resend) → ${again.status}: the same execution ${again.executionId} (created: ${again.created})\n`);

const WIDTH = 20;
const cell = (name: string, step: StepRecord | undefined) => {
  const status = step?.status ?? "pending";
  const fraction = status === "completed" ? 1 : step?.progress && step.progress.total > 0 ? step.progress.done / step.progress.total : 0;
  const bar = `${"█".repeat(Math.round(fraction * WIDTH))}${"░".repeat(WIDTH - Math.round(fraction * WIDTH))}`;
  const files = step?.progress ? ` ${step.progress.done}/${step.progress.total} files` : "";
  return `${name} [${bar}] ${status}${files}`.padEnd(58);
};
const tty = process.stdout.isTTY;
let last = "";
const final = await new Promise<RunRecord>((resolve, reject) => {
  const stopRun = onSnapshot(
    doc(db, "runs", first.executionId),
    (snap) => {
      const run = RunRecord.parse(snap.data());
      const [scan, job, copy] = VIDEO_INGEST_STEPS.map((name) => run.steps[name]);
      const line = `${cell("scan_sd", scan).trimEnd()}  |  ${cell("create_job", job)}|  ${cell("copy_files", copy)}  ${run.progress.percentage}%`;
      if (line !== last) process.stdout.write(tty ? `\r${line}\x1b[K` : `${line}\n`);
      last = line;
      if (["completed", "failed", "cancelled"].includes(run.status)) {
        stopRun();
        resolve(run);
      }
    },
    reject,
  );
});
if (tty) process.stdout.write("\n");

const clock = (t: { toMillis(): number }) => new Date(t.toMillis()).toISOString().slice(11, 23);
const span = (step: StepRecord | undefined) => (step?.startedAt && step.finishedAt ? `${clock(step.startedAt)} → ${clock(step.finishedAt)}` : "—");
console.log(`\n${final.status === "completed" ? "✔ completed" : `✖ ${final.status}${final.error ? ` at ${final.error.step}: ${final.error.message}` : ""}`}`);
for (const name of VIDEO_INGEST_STEPS) console.log(`  ${name.padEnd(11)} ${(final.steps[name]?.status ?? "pending").padEnd(10)} ${span(final.steps[name])}  (${final.steps[name]?.attempts ?? 0} attempt(s))`);
console.log(`\nExecution data (the trigger with each step's output merged in):\n${JSON.stringify(final.executionData, null, 2)}`);
await terminate(db);
process.exit(final.status === "completed" ? 0 : 1);
