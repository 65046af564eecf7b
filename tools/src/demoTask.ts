// `npm run demo:task`: an admin's view of a durable run, with the client SDK
// against the local stack. Signs in as the seeded admin, starts a demo task
// whose step 4 (simulate-api-call) fails, and follows the run and its event
// log with Firestore listeners: the durable sleep, each failure, each retry
// on its schedule, until the run completes or fails for good. At the end it
// shows how often each step ran: completed steps never run again.
//   --fail-times N   the failure clears after N attempts (default 2)
//   --always         it never clears: the retries run out and the run fails
//   --permanent      a non-retryable failure: the run fails at once
import { ApiErrorBody, DEMO_TASK_STEPS, RunEvent, RunRecord } from "@clementine/shared";
import { initializeApp } from "firebase/app";
import { connectAuthEmulator, getAuth, signInWithEmailAndPassword } from "firebase/auth";
import { collection, connectFirestoreEmulator, doc, getFirestore, onSnapshot, orderBy, query, terminate } from "firebase/firestore";
import { parseArgs } from "node:util";
import { AUTH_HOST, FIREBASE_PROJECT, FIRESTORE, functionUrl } from "./emulatorConfig.js";
import { DEMO } from "./seed.js";

const { values } = parseArgs({
  options: { "fail-times": { type: "string", default: "2" }, always: { type: "boolean" }, permanent: { type: "boolean" } },
});
const RETRY_DELAYS_MS = [2000, 4000, 8000];
const payload = {
  taskId: `demo-${Date.now().toString(36)}`,
  simulateFailure: true,
  failAtStep: "simulate-api-call",
  failure: values.permanent ? "permanent" : "transient",
  ...(values.always || values.permanent ? {} : { failTimes: Number(values["fail-times"]) }),
  delayMs: 2000,
  retryDelaysMs: RETRY_DELAYS_MS,
};

const app = initializeApp({ projectId: FIREBASE_PROJECT, apiKey: "demo-key", authDomain: `${FIREBASE_PROJECT}.firebaseapp.com` });
const auth = getAuth(app);
connectAuthEmulator(auth, AUTH_HOST, { disableWarnings: true });
const db = getFirestore(app);
connectFirestoreEmulator(db, FIRESTORE.host, FIRESTORE.port);

function stop(message: string, code = 1): never {
  console.error(message);
  process.exit(code);
}

const admin = await signInWithEmailAndPassword(auth, DEMO.admin.email, DEMO.admin.password).catch(() =>
  stop(`Could not sign in as ${DEMO.admin.email} at ${AUTH_HOST}. Start the local stack first: npm start`),
);
console.log(`Signed in as the seeded admin ${DEMO.admin.email}`);
console.log(`Starting a demo task: step 4 fails ${values.permanent ? "permanently" : values.always ? "every time" : `${payload.failTimes} time(s)`}; retries after ${RETRY_DELAYS_MS.map((ms) => `${ms / 1000} s`).join(", ")}`);

const res = await fetch(`${functionUrl("api")}/projects/${DEMO.projectId}/pipelines/demo-task/runs`, {
  method: "POST",
  headers: { authorization: `Bearer ${await admin.user.getIdToken()}`, "content-type": "application/json" },
  body: JSON.stringify({ payload }),
}).catch(() => stop("Could not reach the admin API. Is the local stack up (npm start)?"));
const body: unknown = await res.json();
if (res.status !== 202) stop(`The API answered ${res.status}: ${ApiErrorBody.safeParse(body).data?.error.message ?? JSON.stringify(body)}`);
const { runId } = body as { runId: string };
console.log(`Run ${runId}: following it live (Ctrl+C to stop watching; the run goes on)\n`);

const started = Date.now();
const clock = () => `+${((Date.now() - started) / 1000).toFixed(1).padStart(5)} s`;

function describe(event: RunEvent): string {
  const step = event.step ? ` ${event.step}` : "";
  switch (event.type) {
    case "pipeline:started":
      return "run started";
    case "pipeline:step_completed":
      return `✓${step}  (${event.progress?.percentage ?? 0}%)`;
    case "pipeline:step_progress":
      return `…${step} ${event.stepProgress?.done ?? 0}/${event.stepProgress?.total ?? 0}`;
    case "pipeline:step_sleeping":
      return `…${step} sleeps until ${new Date(event.retryAt!.toMillis()).toLocaleTimeString()} (durably: no instance waits)`;
    case "pipeline:step_throttled":
      return `…${step} waits for its rate limit until ${new Date(event.retryAt!.toMillis()).toLocaleTimeString()}`;
    case "pipeline:step_failed":
      return `✗${step} failed: ${event.error?.detail.split("\n")[0] ?? ""}`;
    case "pipeline:retry_scheduled":
      return `↻${step} retries in ${((event.retryAt!.toMillis() - event.at.toMillis()) / 1000).toFixed(1)} s`;
    case "pipeline:completed":
      return "run completed";
    case "pipeline:failed":
      return `run failed at${step}: ${event.error?.message ?? ""}`;
    case "pipeline:cancelled":
      return "run cancelled";
    case "pipeline:retried":
      return "run retried from its failed step";
    default:
      return event.type satisfies never;
  }
}

const final = await new Promise<RunRecord>((resolve, reject) => {
  const runDoc = doc(db, "runs", runId);
  let seen = 0;
  const stopEvents = onSnapshot(query(collection(runDoc, "events"), orderBy("seq")), (snap) => {
    for (const change of snap.docChanges()) {
      if (change.type !== "added") continue;
      const event = RunEvent.parse(change.doc.data());
      if (event.seq <= seen) continue;
      seen = event.seq;
      console.log(`${clock()}  ${describe(event)}`);
    }
  }, reject);
  const stopRun = onSnapshot(runDoc, (snap) => {
    const run = RunRecord.parse(snap.data());
    if (["completed", "failed", "cancelled"].includes(run.status) && seen >= run.eventCount) {
      stopEvents();
      stopRun();
      resolve(run);
    }
  }, reject);
});

console.log(`\nHow often each step ran (a completed step never runs again):`);
for (const name of DEMO_TASK_STEPS) {
  const step = final.steps[name];
  console.log(`  ${name.padEnd(18)} ${(step?.status ?? "pending").padEnd(10)} ${step?.attempts ?? 0} attempt(s)${name === "simulate-delay" ? " (a sleep makes none)" : ""}`);
}
console.log(`\nExecution data: ${JSON.stringify(final.executionData)}`);
await terminate(db);
process.exit(final.status === "completed" ? 0 : 1);
