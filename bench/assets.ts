// `npm run bench -- --assets`: the AI asset queue on the local emulator stack,
// with the stand-in AI service (200 ms of "model time" per call), measured in
// one run (medians, p95s and ratios; absolute times drift here).
//
// baseline:  the bare parts, in the same run on the same stack: 100
//            concurrent starts of the bare baseline function (verify the ID
//            token, write a document, enqueue a task), and 100 concurrent
//            calls straight to the AI service.
// queue:     20 users submit 5 photos each, all 100 at once, and listen to
//            their events: how many assets end, how many events arrive, how
//            often the AI service was called per asset, p95 submission and
//            p95 submission-to-event times.
// transient: the same with 30% of the AI calls failing (503): the share of
//            assets hit by a failure that retries recovered (SC-005).
import { AssetProcessedEvent } from "@clementine/shared";
import { startAiService } from "@clementine/tools/aiService";
import { signInWithPassword } from "@clementine/tools/authEmulator";
import { FIREBASE_PROJECT, FUNCTIONS_HOST, REGION, functionUrl, useEmulatorsForAdmin } from "@clementine/tools/emulatorConfig";
import { fireScheduledFunction } from "@clementine/tools/scheduledFunctions";
import { initializeApp } from "firebase-admin/app";
import { getAuth } from "firebase-admin/auth";
import { getFirestore } from "firebase-admin/firestore";
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

useEmulatorsForAdmin();
const app = initializeApp({ projectId: process.env.GCLOUD_PROJECT });
const db = getFirestore(app);
const RUN = Date.now().toString(36);
const SAMPLE = readFileSync(new URL("../tools/assets/sample-coin.png", import.meta.url));
const USERS = 20;
const PER_USER = 5;
const MODEL_MS = 200;

const ai = await startAiService();
ai.control({ latencyMs: MODEL_MS });

// The local stack's scheduler: one sweep at a time, every 2 s (it wakes retries: the Tasks emulator delivers delayed tasks at once).
let sweeping = true;
const sweeper = (async () => {
  while (sweeping) {
    await fireScheduledFunction(FUNCTIONS_HOST, FIREBASE_PROJECT, { id: `${REGION}-sweepRuns`, name: "sweepRuns" }).catch(() => {});
    await new Promise((r) => setTimeout(r, 2000));
  }
})();

async function newUser(i: number) {
  const email = `bench-${RUN}-${i}@bench.test`;
  const { uid } = await getAuth(app).createUser({ email, password: "bench-password" });
  return { uid, idToken: await signInWithPassword(email, "bench-password") };
}
type User = Awaited<ReturnType<typeof newUser>>;

const quantile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil(q * xs.length) - 1)] ?? NaN;
const p95 = (xs: number[]) => quantile(xs, 0.95);
const median = (xs: number[]) => quantile(xs, 0.5);

async function submit(user: User): Promise<{ assetId: string; ms: number } | null> {
  const form = new FormData();
  form.append("image", new Blob([SAMPLE], { type: "image/png" }), "coin.png");
  form.append("category", "coin");
  const t0 = performance.now();
  const res = await fetch(`${functionUrl("api")}/assets/analyze-queue`, { method: "POST", headers: { authorization: `Bearer ${user.idToken}` }, body: form, signal: AbortSignal.timeout(60_000) }).catch(() => null);
  if (res?.status !== 202) return null;
  return { assetId: ((await res.json()) as { assetId: string }).assetId, ms: performance.now() - t0 };
}

/** Every user's events as they arrive, by asset id: epoch ms of arrival and the event. */
function listen(users: User[]) {
  const arrived = new Map<string, { at: number; event: AssetProcessedEvent; count: number }>();
  const stops = users.map((user) =>
    db.collection(`users/${user.uid}/events`).onSnapshot((snap) => {
      for (const change of snap.docChanges()) {
        if (change.type !== "added") continue;
        const event = AssetProcessedEvent.parse(change.doc.data());
        const seen = arrived.get(event.assetId);
        arrived.set(event.assetId, { at: seen?.at ?? Date.now(), event, count: (seen?.count ?? 0) + 1 });
      }
    }),
  );
  return { arrived, stop: () => stops.forEach((s) => s()) };
}

/** `perUser` submissions from each user at once (or, with `oneByOne`, each after the last one's event), until each has its event or the deadline. */
async function scenario(label: string, users: User[], { failRate = 0, perUser = PER_USER, oneByOne = false, deadlineMs = 300_000 } = {}) {
  ai.reset();
  ai.control({ latencyMs: MODEL_MS, failRate, rateOutcome: "unavailable" });
  const { arrived, stop } = listen(users);
  const started = Date.now();
  const one = async (user: User) => ({ sentAt: Date.now(), reply: await submit(user) });
  const submitted: Array<Awaited<ReturnType<typeof one>>> = [];
  if (oneByOne) {
    for (const user of users.flatMap((u) => Array.from({ length: perUser }, () => u))) {
      const s = await one(user);
      submitted.push(s);
      while (s.reply && !arrived.has(s.reply.assetId) && Date.now() < started + deadlineMs) await new Promise((r) => setTimeout(r, 20));
    }
  } else {
    submitted.push(...(await Promise.all(users.flatMap((user) => Array.from({ length: perUser }, () => one(user))))));
  }
  const accepted = submitted.filter((s) => s.reply);
  const mine = () => accepted.filter((s) => arrived.has(s.reply!.assetId));
  const deadline = started + deadlineMs;
  let shown = 0;
  while (mine().length < accepted.length && Date.now() < deadline) {
    if (mine().length - shown >= 10) {
      shown = mine().length;
      console.log(`  ${label}: ${shown}/${accepted.length} events`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  stop();
  const calls = ai.calls();
  const ours = mine().map((s) => ({ ...s, ...arrived.get(s.reply!.assetId)! }));
  // Of the assets whose first call failed, how many ended active anyway.
  const log = ai.log();
  const firstCalls = new Map<string, string>();
  for (const call of log) if (!firstCalls.has(call.assetId)) firstCalls.set(call.assetId, call.outcome);
  const hit = ours.filter((o) => firstCalls.get(o.reply!.assetId) === "unavailable");
  return {
    submitted: submitted.length,
    accepted: accepted.length,
    events: ours.reduce((n, o) => n + o.count, 0),
    active: ours.filter((o) => o.event.status === "active").length,
    failed: ours.filter((o) => o.event.status === "failed").length,
    lost: accepted.length - ours.length,
    calledTwiceOrMore: ours.filter((o) => (calls[o.reply!.assetId] ?? 0) > 1).length,
    /** Assets with more than one event: a result written twice. */
    duplicated: ours.filter((o) => o.count > 1).length,
    retriedCalls: log.length - ours.length,
    hit: hit.length,
    recovered: hit.filter((o) => o.event.status === "active").length,
    submitP95: p95(accepted.map((s) => s.reply!.ms)),
    submitMedian: median(accepted.map((s) => s.reply!.ms)),
    eventP95: p95(ours.map((o) => o.at - o.sentAt)),
    eventMedian: median(ours.map((o) => o.at - o.sentAt)),
    /** From the commit that ended the run to the listener: SC-003's "within 1 s of completion". */
    lagP95: p95(ours.map((o) => o.at - o.event.at.toMillis())),
    wallMs: Date.now() - started,
  };
}

console.log(`Asset queue bench on ${FUNCTIONS_HOST}; the stand-in AI service at ${ai.url}`);
const users = await Promise.all(Array.from({ length: USERS }, (_, i) => newUser(i)));

// Warm the API, the task function and the baseline with bursts as large as the measured ones:
// the functions emulator runs a process per request in flight, and its cold starts are not what is measured.
const bareStarts = () =>
  Promise.all(
    Array.from({ length: USERS * PER_USER }, async (_, i) => {
      const t0 = performance.now();
      const res = await fetch(functionUrl("baselineStart"), { method: "POST", headers: { authorization: `Bearer ${users[i % USERS]!.idToken}`, "content-type": "application/json" }, body: JSON.stringify({ id: `assets-${RUN}-${i}-${t0}`, burst: RUN }) });
      await res.text();
      return performance.now() - t0;
    }),
  );
console.log("Warming up with a burst of each…");
await scenario("warm-up", users);
await bareStarts();

console.log("Baseline: 100 bare starts at once, and 100 calls straight to the AI service…");
const baselineStarts = await bareStarts();
const images = createServer((_req, res) => void res.writeHead(200, { "content-type": "image/png" }).end(SAMPLE));
await new Promise<void>((r) => images.listen(0, "127.0.0.1", r));
const imageUrl = `http://127.0.0.1:${(images.address() as AddressInfo).port}/coin.png`;
const bareCalls = await Promise.all(
  Array.from({ length: USERS * PER_USER }, async (_, i) => {
    const t0 = performance.now();
    const res = await fetch(`${ai.url}/v1/analyze`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ imageUrl, assetId: `bare-${i}`, category: "coin", name: null }) });
    await res.text();
    return performance.now() - t0;
  }),
);
images.close();

console.log("One at a time: 20 submissions, each after the last one's event…");
const single = await scenario("one at a time", users, { perUser: 1, oneByOne: true });
console.log("Queue: 100 submissions at once from 20 users…");
const clean = await scenario("queue", users);
console.log("Transient: 100 submissions at once, 30% of AI calls fail with 503…");
const flaky = await scenario("transient", users, { failRate: 0.3 });

sweeping = false;
await sweeper;
await ai.stop();

const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const row = (r: typeof clean) =>
  `${r.accepted}/${r.submitted} accepted; ${r.active} active, ${r.failed} failed, ${r.lost} lost; ${r.events} events (${r.duplicated} assets with two); ${r.calledTwiceOrMore} called more than once; submission p95 ${s(r.submitP95)} (median ${s(r.submitMedian)}); submission to event p95 ${s(r.eventP95)} (median ${s(r.eventMedian)}); end commit to listener p95 ${s(r.lagP95)}; all in ${s(r.wallMs)}`;
console.log(`
| scenario | result |
|---|---|
| baseline, 100 bare starts at once | p95 ${s(p95(baselineStarts))} (median ${s(median(baselineStarts))}) |
| baseline, 100 AI calls at once, no queue | p95 ${s(p95(bareCalls))} (median ${s(median(bareCalls))}) |
| one at a time, 20 | ${row(single)} |
| queue, 100 at once from 20 users | ${row(clean)} |
| ratios, 100 at once | submission p95 ${(clean.submitP95 / p95(baselineStarts)).toFixed(2)}× the bare start's; submission to event p95 ${(clean.eventP95 / p95(bareCalls)).toFixed(1)}× a bare AI call's (the queue analyses ${10} at once) |
| transient, 30% of calls fail (503) | ${row(flaky)}; ${flaky.hit} assets' first call failed, ${flaky.recovered} recovered by retries (${((100 * flaky.recovered) / Math.max(1, flaky.hit)).toFixed(0)}%); ${flaky.retriedCalls} retried calls |
`);
process.exit(0);
