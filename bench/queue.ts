// `npm run bench -- --queue`: the queue controls on the local emulator stack,
// measured in one run (medians and ratios; absolute times drift here).
//
// overhead:  10 and then 40 demo tasks at once through the admin API, with
//            the demo task's concurrency limit (10) and with the same
//            pipeline declared without one (demo-task-unlimited, registered
//            for the bench only). Within the limit the ratio is what the gate
//            costs; over it, the runs also wait their turn.
// priority:  10 slow tasks take every slot, then 30 low- and 5 high-priority
//            tasks are submitted together and wait behind them; the rank at
//            which each high one started among the 35.
// throttled: 300 tasks whose simulate-api-call consumes the demo-api limit
//            (100 calls a minute): how long they take, and the most calls
//            seen in any 60 s window.
import { RunRecord } from "@clementine/shared";
import { FIREBASE_PROJECT, FUNCTIONS_HOST, REGION, functionUrl, useEmulatorsForAdmin } from "@clementine/tools/emulatorConfig";
import { signInWithPassword } from "@clementine/tools/authEmulator";
import { fireScheduledFunction } from "@clementine/tools/scheduledFunctions";
import { initializeApp } from "firebase-admin/app";
import { getAuth } from "firebase-admin/auth";
import { getFirestore } from "firebase-admin/firestore";

useEmulatorsForAdmin();
const app = initializeApp({ projectId: process.env.GCLOUD_PROJECT });
const db = getFirestore(app);
const PROJECT = `bench-queue-${Date.now().toString(36)}`;
const WINDOW_MS = 60_000;

// An admin of the bench's project, signed in through the Auth emulator's REST API.
const email = `${PROJECT}@bench.test`;
const user = await getAuth(app).createUser({ email, password: "bench-password" });
await db.doc(`projects/${PROJECT}/members/${user.uid}`).set({ role: "admin" });
const token = await signInWithPassword(email, "bench-password");

// The local stack's scheduler: one sweep at a time, every 2 s.
let sweeping = true;
const sweeper = (async () => {
  while (sweeping) {
    await fireScheduledFunction(FUNCTIONS_HOST, FIREBASE_PROJECT, { id: `${REGION}-sweepRuns`, name: "sweepRuns" }).catch(() => {});
    await new Promise((r) => setTimeout(r, 2000));
  }
})();

async function submit(pipeline: string, body: Record<string, unknown>): Promise<string> {
  for (let attempt = 1; ; attempt++) {
    const res = await fetch(`${functionUrl("api")}/projects/${PROJECT}/pipelines/${pipeline}/runs`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(45_000),
    }).catch(() => null);
    if (res?.status === 202) return ((await res.json()) as { runId: string }).runId;
    if (attempt >= 3) throw new Error(`start answered ${res?.status ?? "nothing"}`);
  }
}

/** Submits with at most `parallel` requests in flight, in the given order. */
async function submitAll(bodies: Array<{ pipeline: string; body: Record<string, unknown> }>, parallel = 10): Promise<string[]> {
  const ids = new Array<string>(bodies.length);
  let next = 0;
  await Promise.all(Array.from({ length: parallel }, async () => {
    while (next < bodies.length) {
      const i = next++;
      ids[i] = await submit(bodies[i]!.pipeline, bodies[i]!.body);
    }
  }));
  return ids;
}

/** Until every run ended (or the deadline), printing progress; the runs as stored. */
async function settle(label: string, ids: string[], deadlineMs: number): Promise<RunRecord[]> {
  const until = Date.now() + deadlineMs;
  let shown = -1;
  for (;;) {
    const snaps = await db.getAll(...ids.map((id) => db.doc(`runs/${id}`)));
    const runs = snaps.map((s) => RunRecord.parse(s.data()));
    const ended = runs.filter((r) => ["completed", "failed", "cancelled"].includes(r.status)).length;
    if (ended !== shown && (ended - shown >= Math.ceil(ids.length / 10) || ended === ids.length)) {
      console.log(`  ${label}: ${ended}/${ids.length} ended`);
      shown = ended;
    }
    if (ended === ids.length || Date.now() > until) return runs;
    await new Promise((r) => setTimeout(r, 1000));
  }
}

/** Polls `check` once a second until it holds; fails the bench past the deadline. */
async function until(what: string, check: () => Promise<boolean>, deadlineMs: number): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`gave up waiting: ${what}`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const ms = (t: { toMillis(): number } | null) => t?.toMillis() ?? NaN;
/** Waits out the demo-api window so that one scenario's calls do not throttle the next. */
const quiet = () => new Promise((r) => setTimeout(r, WINDOW_MS + 2000));
const task = (extra: Record<string, unknown> = {}) => ({ payload: { delayMs: 0 }, ...extra });

console.log(`Queue bench on ${FUNCTIONS_HOST}, project ${PROJECT}`);

// Warm the API and the task function before anything is measured.
await settle("warm-up", await submitAll(Array.from({ length: 4 }, () => ({ pipeline: "demo-task", body: task() })), 4), 120_000);
await quiet();

console.log("Overhead of the concurrency gate: 10 tasks at once (within the limit) and 40 (over it), limited to 10 and unlimited…");
type Overhead = { wallMs: number; startMedianMs: number; endMedianMs: number };
const overhead: Record<string, Overhead> = {};
for (const count of [10, 40]) {
  for (const pipeline of ["demo-task-unlimited", "demo-task"]) {
    const t0 = Date.now();
    const runs = await settle(`${pipeline} ×${count}`, await submitAll(Array.from({ length: count }, () => ({ pipeline, body: task() }))), 300_000);
    overhead[`${pipeline} ${count}`] = {
      wallMs: Math.max(...runs.map((r) => ms(r.finishedAt))) - t0,
      startMedianMs: median(runs.map((r) => ms(r.startedAt) - ms(r.createdAt))),
      endMedianMs: median(runs.map((r) => ms(r.finishedAt) - ms(r.createdAt))),
    };
    await quiet();
  }
}

console.log("Priority: 10 slow tasks fill the slots, then 30 low and 5 high are submitted together behind them…");
const blockers = await submitAll(Array.from({ length: 10 }, () => ({ pipeline: "demo-task", body: task({ payload: { delayMs: 0, apiLatencyMs: 15_000 } }) })));
await until("the 10 slow tasks hold every slot", async () => {
  const snaps = await db.getAll(...blockers.map((id) => db.doc(`runs/${id}`)));
  // An attempt is recorded with its result: a task in its call has its sleep done and its call not.
  return snaps.map((s) => RunRecord.parse(s.data()).steps).every((steps) => steps["simulate-delay"]?.status === "completed" && steps["simulate-api-call"]?.status !== "completed");
}, 120_000);
const order = Array.from({ length: 35 }, (_, i) => (i % 7 === 6 ? 10 : -10)); // a high one after every six low
const queued = await submitAll(order.map((priority) => ({ pipeline: "demo-task", body: task({ priority }) })), 35);
const submittedAt = Date.now();
const prioritized = await settle("priority", queued, 300_000);
await settle("slow tasks", blockers, 120_000);
const byStart = prioritized.map((r, i) => ({ high: order[i] === 10, startedAt: ms(r.startedAt) })).sort((a, b) => a.startedAt - b.startedAt);
const highRanks = byStart.flatMap((r, rank) => (r.high ? [rank + 1] : []));
const startedEarly = byStart.filter((r) => r.startedAt < submittedAt).length;
await quiet();

console.log("Throttled: 300 tasks, simulate-api-call limited to 100 calls a minute…");
const t0 = Date.now();
const throttled = await settle("throttled", await submitAll(Array.from({ length: 300 }, () => ({ pipeline: "demo-task", body: task() }))), 600_000);
const calls = throttled.map((r) => ms(r.steps["simulate-api-call"]?.startedAt ?? null)).filter(Number.isFinite).sort((a, b) => a - b);
let busiest = 0;
for (let i = 0, j = 0; i < calls.length; i++) {
  while (calls[j]! <= calls[i]! - WINDOW_MS) j++;
  busiest = Math.max(busiest, i - j + 1);
}
const throttledWall = Math.max(...throttled.map((r) => ms(r.finishedAt))) - t0;

sweeping = false;
await sweeper;
const compare = (count: number) => {
  const lim = overhead[`demo-task ${count}`]!;
  const free = overhead[`demo-task-unlimited ${count}`]!;
  return `limited to 10: all ended in ${(lim.wallMs / 1000).toFixed(1)} s, median start ${lim.startMedianMs} ms, median end ${lim.endMedianMs} ms; unlimited: ${(free.wallMs / 1000).toFixed(1)} s, ${free.startMedianMs} ms, ${free.endMedianMs} ms; median end ratio ${(lim.endMedianMs / free.endMedianMs).toFixed(2)}×, wall ratio ${(lim.wallMs / free.wallMs).toFixed(2)}×`;
};
console.log(`
| scenario | result |
|---|---|
| overhead, 10 at once (the gate's cost) | ${compare(10)} |
| overhead, 40 at once (the gate's cost and the queueing it imposes) | ${compare(40)} |
| priority, 30 low + 5 high behind a full queue | the high ones started at ranks ${highRanks.join(", ")} of 35 (${startedEarly} of the 35 started before the last was submitted) |
| throttled, 300 at 100/min | ${throttled.filter((r) => r.status === "completed").length}/300 completed in ${(throttledWall / 60_000).toFixed(2)} min; most calls in any 60 s window: ${busiest} |
`);
process.exit(0);
