// The transform pipeline on the local emulator stack: one job at a time, then
// 100 started at once. Runs inside `firebase emulators:exec` (npm run bench).
// Reports medians and p95s measured in this one run; nothing here is a test.
import { Job } from "@clementine/shared";
import { signUpAnonymously } from "@clementine/tools/authEmulator";
import { FUNCTIONS_HOST, functionUrl, useEmulatorsForAdmin } from "@clementine/tools/emulatorConfig";
import { initializeApp } from "firebase-admin/app";
import { getFirestore, type Firestore } from "firebase-admin/firestore";

const NODES = 3;
const BURST = Number(process.env.BENCH_BURST ?? 100);
const SINGLES = Number(process.env.BENCH_SINGLES ?? 10);
const JOB_DEADLINE_MS = 180_000;
/** Cold emulator processes can drop a request (see FIREBASE-NOTES): a client gives up and retries. */
const REQUEST_TIMEOUT_MS = 45_000;

useEmulatorsForAdmin();
const db = getFirestore(initializeApp({ projectId: process.env.GCLOUD_PROJECT }));
const PROJECT = `bench-${Date.now().toString(36)}`;
const experience = db.doc(`projects/${PROJECT}/experiences/bench`);
await experience.set({ name: "Bench", transform: { nodes: Array.from({ length: NODES }, (_, i) => ({ id: `n${i + 1}`, type: "stub" })) } });

interface Run {
  sessionId: string;
  jobId?: string;
  sentAt: number;
  acceptedAt?: number;
  completedAt?: number;
  retries: number;
}

async function prepare(count: number, label: string) {
  const guests = await Promise.all(Array.from({ length: count }, signUpAnonymously));
  const batch = db.batch();
  const sessions = guests.map((guest, i) => {
    const sessionId = `${label}-${i}`;
    batch.set(db.doc(`projects/${PROJECT}/sessions/${sessionId}`), {
      experienceId: "bench",
      guestUid: guest.uid,
      jobId: null,
      jobStatus: null,
      jobProgress: null,
      jobError: null,
    });
    return { sessionId, idToken: guest.idToken };
  });
  await batch.commit();
  return sessions;
}

/**
 * Starts a job as a careful client does: a request left unanswered may still
 * have created the job, so before sending it again, look at the session.
 */
async function start(run: Run, idToken: string): Promise<void> {
  const session = db.doc(`projects/${PROJECT}/sessions/${run.sessionId}`);
  for (;;) {
    if (run.retries > 0) {
      const jobId: unknown = (await session.get()).get("jobId");
      if (typeof jobId === "string") {
        run.jobId = jobId;
        run.acceptedAt = performance.now();
        return;
      }
    }
    try {
      const res = await fetch(functionUrl("startTransformPipeline"), {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${idToken}` },
        body: JSON.stringify({ projectId: PROJECT, sessionId: run.sessionId, stepId: "bench" }),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
      const body = (await res.json()) as { jobId?: string; error?: { code: string } };
      if (res.status !== 202) throw new Error(`start answered ${res.status} ${JSON.stringify(body)}`);
      run.jobId = body.jobId;
      run.acceptedAt = performance.now();
      return;
    } catch (error) {
      if (!(error instanceof DOMException) || run.retries >= 2) throw error;
      run.retries++;
    }
  }
}

/** Starts `count` jobs at once and resolves when all completed (or the deadline passed). */
async function burst(count: number, label: string, showProgress: boolean): Promise<{ runs: Run[]; wallMs: number }> {
  const sessions = await prepare(count, label);
  const runs: Run[] = sessions.map((s) => ({ sessionId: s.sessionId, sentAt: 0, retries: 0 }));
  const bySession = new Map(runs.map((r) => [r.sessionId, r]));
  let done = 0;
  const allDone = new Promise<void>((resolve) => {
    const stop = db
      .collection(`projects/${PROJECT}/sessions`)
      .where("__name__", ">=", db.doc(`projects/${PROJECT}/sessions/${label}-`))
      .where("__name__", "<", db.doc(`projects/${PROJECT}/sessions/${label}.`))
      .onSnapshot((snap) => {
        for (const change of snap.docChanges()) {
          const run = bySession.get(change.doc.id);
          if (run && !run.completedAt && change.doc.get("jobStatus") === "completed") {
            run.completedAt = performance.now();
            done++;
            // A line per tenth: the emulator's own logs share this terminal.
            if (showProgress && (done % Math.ceil(count / 10) === 0 || done === count)) console.log(`  ${label}: ${done}/${count} completed`);
          }
        }
        if (done === count) {
          stop();
          resolve();
        }
      });
  });
  const t0 = performance.now();
  await Promise.all(
    runs.map((run, i) => {
      run.sentAt = performance.now();
      return start(run, sessions[i]!.idToken).catch((error: unknown) => console.error(`\n  ${run.sessionId}: ${String(error)}`));
    }),
  );
  await Promise.race([allDone, new Promise((resolve) => setTimeout(resolve, JOB_DEADLINE_MS).unref())]);
  const last = Math.max(...runs.map((r) => r.completedAt ?? 0));
  return { runs, wallMs: last - t0 };
}

const quantile = (values: number[], q: number) => {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
};
const ms = (v: number) => (Number.isNaN(v) ? "—" : `${Math.round(v)} ms`);

async function audit(firestore: Firestore, runs: Run[]) {
  let lagMax = 0;
  let sameCommit = 0;
  let writes = 0;
  let duplicated = 0;
  let lost = 0;
  const unfinished = new Map<string, number>();
  const expectedRevisions = 1 + 1 + (NODES - 1) + 1; // create, claim, progress, complete
  for (const run of runs) {
    if (!run.jobId) {
      lost++; // never got a jobId
      continue;
    }
    const [jobSnap, sessionSnap] = await firestore.getAll(
      firestore.doc(`projects/${PROJECT}/jobs/${run.jobId}`),
      firestore.doc(`projects/${PROJECT}/sessions/${run.sessionId}`),
    );
    if (!jobSnap!.exists) {
      lost++; // accepted, yet no job document
      continue;
    }
    const job = Job.parse(jobSnap!.data());
    if (job.status !== "completed") {
      unfinished.set(job.status, (unfinished.get(job.status) ?? 0) + 1);
      // An unfinished job is only lost if nothing will ever end it: no deadline for the sweeper.
      if ((job.status === "pending" || job.status === "running") && !job.deadlineAt) lost++;
    }
    const lag = Math.abs(sessionSnap!.updateTime!.toMillis() - jobSnap!.updateTime!.toMillis());
    lagMax = Math.max(lagMax, lag);
    if (sessionSnap!.updateTime!.isEqual(jobSnap!.updateTime!)) sameCommit++;
    writes += job.revision * 2; // every job write carries its session write in the same commit
    if (job.revision > expectedRevisions) duplicated++;
  }
  const jobsBySession = new Map<string, number>();
  for (const doc of (await firestore.collection(`projects/${PROJECT}/jobs`).select("sessionId").get()).docs) {
    const sessionId = String(doc.get("sessionId"));
    jobsBySession.set(sessionId, (jobsBySession.get(sessionId) ?? 0) + 1);
  }
  for (const run of runs) duplicated += Math.max(0, (jobsBySession.get(run.sessionId) ?? 0) - 1);
  return { lagMax, sameCommit, lost, unfinished, writesPerJob: writes / Math.max(1, runs.filter((r) => r.jobId).length), duplicated };
}

function report(title: string, runs: Run[], wallMs: number, audited: Awaited<ReturnType<typeof audit>>) {
  const toJobId = runs.filter((r) => r.acceptedAt).map((r) => r.acceptedAt! - r.sentAt);
  const toDone = runs.filter((r) => r.completedAt).map((r) => r.completedAt! - r.sentAt);
  const unfinished = [...audited.unfinished].map(([status, n]) => `${n} ${status}`).join(", ") || "0";
  return [
    title,
    ms(quantile(toJobId, 0.5)),
    ms(quantile(toJobId, 0.95)),
    ms(quantile(toDone, 0.5)),
    ms(quantile(toDone, 0.95)),
    `${audited.lagMax} ms (${audited.sameCommit}/${runs.length} same commit)`,
    (runs.length / (wallMs / 1000)).toFixed(1),
    unfinished,
    String(audited.lost),
    String(audited.duplicated),
    audited.writesPerJob.toFixed(1),
    String(runs.reduce((n, r) => n + r.retries, 0)),
  ];
}

console.log(`Bench: ${NODES}-node stub transform, functions emulator at ${FUNCTIONS_HOST}`);
// The functions emulator starts a Node process per request in flight: the
// first burst pays for those cold starts, the second shows the warm pipeline.
console.log(`${BURST} jobs started at once, cold (the emulator spawns a process per request in flight)…`);
const cold = await burst(BURST, "cold", true);

console.log(`One job at a time, ${SINGLES} times…`);
const singles: Run[] = [];
let singlesWall = 0;
for (let i = 0; i < SINGLES; i++) {
  const { runs, wallMs } = await burst(1, `single${i}`, false);
  singles.push(...runs);
  singlesWall += wallMs;
  console.log(`  single: ${i + 1}/${SINGLES}`);
}

console.log(`${BURST} jobs started at once, warm…`);
const warm = await burst(BURST, "warm", true);

const header = ["run", "p50 to jobId", "p95 to jobId", "p50 start→completed", "p95 start→completed", "session lag (max)", "jobs/s", "not completed", "lost", "duplicated", "writes/job", "client retries"];
const rows = [
  report(`1 job (×${SINGLES}, sequential)`, singles, singlesWall, await audit(db, singles)),
  report(`${BURST} jobs at once, cold`, cold.runs, cold.wallMs, await audit(db, cold.runs)),
  report(`${BURST} jobs at once, warm`, warm.runs, warm.wallMs, await audit(db, warm.runs)),
];
console.log(`\n| ${header.join(" | ")} |\n|${header.map(() => "---").join("|")}|`);
for (const row of rows) console.log(`| ${row.join(" | ")} |`);
console.log(
  `\nnot completed: jobs not completed ${JOB_DEADLINE_MS / 1000} s after the burst, by status; a pending or running one still has a deadline, and the sweeper fails it with TIMEOUT when that passes.` +
    `\nlost: accepted jobs with no job document, or unfinished with no deadline (nothing would ever end them).`,
);
console.log(`writes/job counts job documents written (one per revision) plus the session write in each same commit; ${new Date().toISOString()}, ${process.env.BENCH_MACHINE ?? "this machine"}.`);
process.exit(0);
