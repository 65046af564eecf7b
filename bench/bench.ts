// The engine against a bare Firebase baseline, side by side on one freshly
// started emulator stack (npm run bench). Three bursts of BURST guest starts
// of a 5-step job each, then single jobs for the per-step cost. Everything is
// measured in this one run and reported as medians, p95s and ratios to the
// baseline; absolute times drift from run to run on a shared machine.
//
// baseline: `baselineStart` verifies the guest's ID token, writes a pending
//           document and enqueues a task;
//           `baselineRun` runs 5 stub steps with one plain write each
//           (bench/baseline/src; maxConcurrentDispatches 10, maxAttempts 3).
// engine:   the real start endpoint (ID token, one job per session) and the
//           transform pipeline on the engine with 5 stub nodes; the sweeper
//           fires every 2 s, as the local stack's scheduler does.
// video:    a burst of detector messages on Pub/Sub, then single executions
//           with the parallel steps and with the same steps in sequence.
import { RunRecord } from "@clementine/shared";
import { signUpAnonymously } from "@clementine/tools/authEmulator";
import { FIREBASE_PROJECT, FUNCTIONS_HOST, REGION, functionUrl, useEmulatorsForAdmin } from "@clementine/tools/emulatorConfig";
import { publishToEmulator } from "@clementine/tools/pubsubEmulator";
import { fireScheduledFunction } from "@clementine/tools/scheduledFunctions";
import { initializeApp } from "firebase-admin/app";
import { getFirestore, type Query, type Timestamp } from "firebase-admin/firestore";

const STEPS = 5;
const BURST = Number(process.env.BENCH_BURST ?? 100);
const SINGLES = Number(process.env.BENCH_SINGLES ?? 10);
const COMPLETE_WITHIN_MS = 120_000;
/** A cold emulator can drop a request (see FIREBASE-NOTES): a client gives up after this and retries. */
const REQUEST_TIMEOUT_MS = 45_000;

useEmulatorsForAdmin();
const db = getFirestore(initializeApp({ projectId: process.env.GCLOUD_PROJECT }));
const PROJECT = `bench-${Date.now().toString(36)}`;
await db.doc(`projects/${PROJECT}/experiences/bench`).set({
  name: "Bench",
  transform: { nodes: Array.from({ length: STEPS }, (_, i) => ({ id: `n${i + 1}`, type: "stub" })) },
});

// The local stack's scheduler: the sweeper every 2 s.
const sweeper = setInterval(() => void fireScheduledFunction(FUNCTIONS_HOST, FIREBASE_PROJECT, { id: `${REGION}-sweepRuns`, name: "sweepRuns" }).catch(() => {}), 2000);

interface Sample {
  key: string;
  sentAt: number;
  acceptedAt?: number;
  completedAt?: number;
  id?: string;
  retries: number;
}

interface System {
  name: "baseline" | "engine";
  /** Everything a burst needs before the clock starts (guests, sessions). */
  prepare(label: string, count: number): Promise<Array<() => Promise<Response>>>;
  /** The documents whose `done` field says the job completed, for this burst. */
  watch(label: string): { query: Query; done: (data: FirebaseFirestore.DocumentData) => boolean; key: (id: string, data: FirebaseFirestore.DocumentData) => string };
  audit(samples: Sample[]): Promise<{ duplicated: number; commitsPerRun: number | null; invocationsPerRun: number | null }>;
  /** Per-step intervals of one completed job, in ms. */
  stepIntervals(sample: Sample): Promise<number[]>;
}

const post = (url: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(url, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body), signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });

const baseline: System = {
  name: "baseline",
  async prepare(label, count) {
    const guests = await Promise.all(Array.from({ length: count }, signUpAnonymously));
    return guests.map((guest, i) => () => post(functionUrl("baselineStart"), { id: `${label}-${i}`, burst: label }, { authorization: `Bearer ${guest.idToken}` }));
  },
  watch: (label) => ({ query: db.collection("baseline").where("burst", "==", label), done: (d) => d.status === "completed", key: (id) => id }),
  audit: () => Promise.resolve({ duplicated: 0, commitsPerRun: STEPS + 1, invocationsPerRun: null }),
  async stepIntervals(sample) {
    const data = (await db.doc(`baseline/${sample.key}`).get()).data()!;
    return intervals(Array.from({ length: STEPS }, (_, i) => exactMs(data[`at${i + 1}`] as Timestamp)));
  },
};

const engine: System = {
  name: "engine",
  async prepare(label, count) {
    const guests = await Promise.all(Array.from({ length: count }, signUpAnonymously));
    const batch = db.batch();
    guests.forEach((guest, i) =>
      batch.set(db.doc(`projects/${PROJECT}/sessions/${label}-${i}`), { experienceId: "bench", guestUid: guest.uid, jobId: null, jobStatus: null, jobProgress: null, jobError: null }),
    );
    await batch.commit();
    // A retried request carries the same Idempotency-Key: it gets the first answer, never a second job.
    return guests.map((guest, i) => () => post(functionUrl("startTransformPipeline"), { projectId: PROJECT, sessionId: `${label}-${i}`, stepId: "bench" }, { authorization: `Bearer ${guest.idToken}`, "idempotency-key": `${label}-${i}` }));
  },
  watch: (label) => ({
    query: db.collection(`projects/${PROJECT}/sessions`).where("__name__", ">=", db.doc(`projects/${PROJECT}/sessions/${label}-`)).where("__name__", "<", db.doc(`projects/${PROJECT}/sessions/${label}.`)),
    done: (d) => d.jobStatus === "completed",
    key: (id) => id,
  }),
  async audit(samples) {
    const accepted = samples.filter((s) => s.id);
    const runs = accepted.length ? await db.getAll(...accepted.map((s) => db.doc(`runs/${s.id}`))) : [];
    let duplicated = 0;
    let commits = 0;
    for (const snap of runs) {
      const run = RunRecord.parse(snap.data());
      commits += run.commits;
      if (Object.values(run.steps).some((s) => s.attempts > 1)) duplicated++;
    }
    const jobs = await db.collection(`projects/${PROJECT}/jobs`).select("sessionId").get();
    const perSession = new Map<string, number>();
    for (const doc of jobs.docs) perSession.set(String(doc.get("sessionId")), (perSession.get(String(doc.get("sessionId"))) ?? 0) + 1);
    for (const s of samples) duplicated += Math.max(0, (perSession.get(s.key) ?? 0) - 1);
    const perRun = commits / Math.max(1, runs.length);
    // A happy run is 1 create + 1 lease + one commit per step: every lease beyond one is another invocation that executed steps.
    return { duplicated, commitsPerRun: perRun, invocationsPerRun: perRun - 1 - STEPS };
  },
  async stepIntervals(sample) {
    // Each step's commit creates its pipeline:step_completed event: the event's create time is that commit's time.
    const events = await db.collection(`runs/${sample.id}/events`).where("type", "==", "pipeline:step_completed").orderBy("seq").get();
    return intervals(events.docs.map((doc) => exactMs(doc.createTime)));
  },
};

const intervals = (times: number[]) => times.slice(1).map((t, i) => t - times[i]!);
/** A commit time in ms with its microseconds: step intervals are a few ms. */
const exactMs = (t: Timestamp) => t.seconds * 1000 + t.nanoseconds / 1e6;

/** Sends `count` starts at once; resolves when every job completed or COMPLETE_WITHIN_MS passed. */
async function burst(system: System, label: string, count: number, showProgress: boolean): Promise<{ samples: Sample[]; wallMs: number }> {
  const starts = await system.prepare(label, count);
  const samples: Sample[] = starts.map((_, i) => ({ key: `${label}-${i}`, sentAt: 0, retries: 0 }));
  const byKey = new Map(samples.map((s) => [s.key, s]));
  const { query, done, key } = system.watch(label);
  let completed = 0;
  let stop = () => {};
  const allDone = new Promise<void>((resolve) => {
    stop = query.onSnapshot((snap) => {
      for (const change of snap.docChanges()) {
        const sample = byKey.get(key(change.doc.id, change.doc.data()));
        if (sample && !sample.completedAt && done(change.doc.data())) {
          sample.completedAt = performance.now();
          completed++;
          if (showProgress && (completed % Math.ceil(count / 5) === 0 || completed === count)) console.log(`  ${system.name} ${label}: ${completed}/${count} completed`);
        }
      }
      if (completed === count) resolve();
    });
  });
  const t0 = performance.now();
  await Promise.all(
    starts.map(async (send, i) => {
      const sample = samples[i]!;
      sample.sentAt = performance.now();
      for (;;) {
        try {
          const res = await send();
          const body = (await res.json()) as { id?: string; jobId?: string };
          if (res.status !== 202) throw new Error(`answered ${res.status} ${JSON.stringify(body)}`);
          sample.id = body.jobId ?? body.id;
          sample.acceptedAt = performance.now();
          return;
        } catch (error) {
          if (sample.retries >= 2) return console.error(`  ${system.name} ${sample.key}: ${String(error)}`);
          sample.retries++;
        }
      }
    }),
  );
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([allDone, new Promise((resolve) => (timer = setTimeout(resolve, COMPLETE_WITHIN_MS)))]);
  clearTimeout(timer);
  stop();
  const last = Math.max(...samples.map((s) => s.completedAt ?? 0));
  return { samples, wallMs: last - t0 };
}

const quantile = (values: number[], q: number) => {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
};
const median = (values: number[]) => quantile(values, 0.5);
const ms = (v: number, digits = 0) => (Number.isNaN(v) ? "—" : `${v.toFixed(digits)} ms`);
const ratio = (a: number, b: number) => (Number.isFinite(a / b) ? `${(a / b).toFixed(2)}×` : "—");

interface Measured {
  completed: number;
  jobsPerSecond: number;
  startP50: number;
  startP95: number;
  endP50: number;
  endP95: number;
  retries: number;
  audit: Awaited<ReturnType<System["audit"]>>;
}

async function measure(system: System, label: string): Promise<Measured> {
  const { samples, wallMs } = await burst(system, label, BURST, true);
  const toStart = samples.filter((s) => s.acceptedAt).map((s) => s.acceptedAt! - s.sentAt);
  const toEnd = samples.filter((s) => s.completedAt).map((s) => s.completedAt! - s.sentAt);
  const completed = toEnd.length;
  return {
    completed,
    jobsPerSecond: completed / (wallMs / 1000),
    startP50: quantile(toStart, 0.5),
    startP95: quantile(toStart, 0.95),
    endP50: quantile(toEnd, 0.5),
    endP95: quantile(toEnd, 0.95),
    retries: samples.reduce((n, s) => n + s.retries, 0),
    audit: await system.audit(samples),
  };
}

console.log(`Bench: ${STEPS}-step jobs, bursts of ${BURST}, baseline vs engine on one emulator stack (${FUNCTIONS_HOST})`);
const rows: Array<{ burst: string; baseline: Measured; engine: Measured }> = [];
// Who goes first alternates, so neither always meets the other's leftovers.
for (const [i, name] of ["burst 1 (cold)", "burst 2", "burst 3 (warm)"].entries()) {
  console.log(`${name}…`);
  const order = i % 2 === 0 ? [baseline, engine] : [engine, baseline];
  const results: Partial<Record<System["name"], Measured>> = {};
  for (const system of order) results[system.name] = await measure(system, `b${i + 1}`);
  rows.push({ burst: name, baseline: results.baseline!, engine: results.engine! });
}

console.log(`One job at a time, ${SINGLES} times each…`);
const stepMs: Record<System["name"], number[]> = { baseline: [], engine: [] };
for (let i = 0; i < SINGLES; i++) {
  for (const system of i % 2 === 0 ? [baseline, engine] : [engine, baseline]) {
    const { samples } = await burst(system, `single${i}`, 1, false);
    if (samples[0]!.completedAt) stepMs[system.name].push(...(await system.stepIntervals(samples[0]!)));
  }
}
// ---- the video pipeline: detector messages on Pub/Sub -----------------------------------

const VIDEO_BURST = Number(process.env.BENCH_VIDEO_BURST ?? 50);
const VIDEO_PROJECT = `${PROJECT}-video`;

/** Publishes `count` detector messages at once; resolves with each execution's publish→completed time, and the run records. */
async function videoBurst(label: string, count: number, simulate: Record<string, unknown>) {
  const done = new Map<string, number>();
  const t0 = performance.now();
  let stop = () => {};
  const allDone = new Promise<void>((resolve) => {
    stop = db.collection("runs").where("projectId", "==", VIDEO_PROJECT).onSnapshot((snap) => {
      for (const change of snap.docChanges()) {
        const id = String(change.doc.get("correlationId"));
        if (id.startsWith(`${label}-`) && !done.has(id) && change.doc.get("status") === "completed") done.set(id, performance.now() - t0);
      }
      if ([...done.keys()].filter((id) => id.startsWith(`${label}-`)).length === count) resolve();
    });
  });
  await publishToEmulator("detector-events", Array.from({ length: count }, (_, i) => ({ type: "detector:sd_inserted", message_id: `${label}-${i}`, sd_path: `/media/${label}-${i}`, project_id: VIDEO_PROJECT, simulate })));
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([allDone, new Promise((resolve) => (timer = setTimeout(resolve, COMPLETE_WITHIN_MS)))]);
  clearTimeout(timer);
  stop();
  const times = [...done.values()];
  const runs = (await db.collection("runs").where("projectId", "==", VIDEO_PROJECT).get()).docs.map((d) => RunRecord.parse(d.data())).filter((r) => r.correlationId?.startsWith(`${label}-`));
  return { completed: times.length, wallMs: Math.max(0, ...times), times, runs };
}

/** From scan_sd's start to the last step's finish. */
const stepsSpan = (run: RunRecord) => {
  const steps = Object.values(run.steps);
  return Math.max(...steps.map((s) => s.finishedAt!.toMillis())) - Math.min(...steps.map((s) => s.startedAt!.toMillis()));
};

console.log(`Video ingest: ${VIDEO_BURST} detector messages published at once on Pub/Sub…`);
const video = await videoBurst("vburst", VIDEO_BURST, {});
console.log(`Video ingest: single executions, the parallel steps against the same steps in sequence (${SINGLES} each)…`);
const spans: Record<"parallel" | "sequential", number[]> = { parallel: [], sequential: [] };
for (let i = 0; i < SINGLES; i++) {
  for (const mode of i % 2 === 0 ? (["parallel", "sequential"] as const) : (["sequential", "parallel"] as const)) {
    const single = await videoBurst(`v${mode}${i}`, 1, mode === "sequential" ? { sequential: true } : {});
    if (single.runs[0]?.status === "completed") spans[mode].push(stepsSpan(single.runs[0]));
  }
}
clearInterval(sweeper);

const header = ["burst", "system", `completed ≤ ${COMPLETE_WITHIN_MS / 1000} s`, "jobs/s", "start p50", "start p95", "end-to-end p50", "end-to-end p95", "duplicated", "commits/run", "invocations/run", "client retries"];
console.log(`\n| ${header.join(" | ")} |\n|${header.map(() => "---").join("|")}|`);
for (const row of rows) {
  for (const name of ["baseline", "engine"] as const) {
    const m = row[name];
    const per = (v: number | null) => (v === null ? "—" : v.toFixed(2));
    console.log(`| ${row.burst} | ${name} | ${m.completed}/${BURST} | ${m.jobsPerSecond.toFixed(1)} | ${ms(m.startP50)} | ${ms(m.startP95)} | ${ms(m.endP50)} | ${ms(m.endP95)} | ${m.audit.duplicated} | ${per(m.audit.commitsPerRun)} | ${per(m.audit.invocationsPerRun)} | ${m.retries} |`);
  }
  const { baseline: b, engine: e } = row;
  console.log(`| ${row.burst} | engine ÷ baseline | ${ratio(e.completed, b.completed)} | ${ratio(e.jobsPerSecond, b.jobsPerSecond)} | ${ratio(e.startP50, b.startP50)} | ${ratio(e.startP95, b.startP95)} | ${ratio(e.endP50, b.endP50)} | ${ratio(e.endP95, b.endP95)} | | | | |`);
}
const [stepB, stepE] = [median(stepMs.baseline), median(stepMs.engine)];
console.log(`\nPer step (median interval between step commits, ${SINGLES} single jobs each): baseline ${ms(stepB, 1)} (one plain write), engine ${ms(stepE, 1)} (run + events + job + session in one conditional batch): ${ratio(stepE, stepB)}`);
console.log(
  `\nVideo ingest, ${VIDEO_BURST} messages on Pub/Sub at once: ${video.completed}/${VIDEO_BURST} completed, ${(video.completed / (video.wallMs / 1000)).toFixed(1)} executions/s, publish→completed p50 ${ms(quantile(video.times, 0.5))}, p95 ${ms(quantile(video.times, 0.95))}.` +
    `\nParallel steps (median of ${spans.parallel.length}, scan_sd start → last step's end): ${ms(median(spans.parallel))}; the same steps in sequence: ${ms(median(spans.sequential))}; parallel saves ${ms(median(spans.sequential) - median(spans.parallel))} (${ratio(median(spans.parallel), median(spans.sequential))} of the sequence).`,
);
console.log(
  `\ncompleted: jobs whose completion a listener saw within ${COMPLETE_WITHIN_MS / 1000} s of the burst. invocations/run: deliveries that executed steps (leases taken), from each run's commit count;` +
    ` deliveries that found the run held or ended write nothing and are not counted. ${new Date().toISOString()}, ${process.env.BENCH_MACHINE ?? "this machine"}.`,
);
process.exit(0);
