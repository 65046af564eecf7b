import { ASSET_CATEGORIES, Asset, AssetProcessedEvent, RunRecord } from "@clementine/shared";
import { describeImage, startAiService, type AiService } from "@clementine/tools/aiService";
import { signInWithPassword } from "@clementine/tools/authEmulator";
import { AUTH_HOST, FIREBASE_PROJECT, FIRESTORE } from "@clementine/tools/emulatorConfig";
import { deleteApp, initializeApp, type FirebaseApp } from "firebase/app";
import { connectAuthEmulator, getAuth, signInWithEmailAndPassword } from "firebase/auth";
import { collection, connectFirestoreEmulator, doc, getDoc, getDocs, getFirestore, onSnapshot, terminate, type Firestore as ClientFirestore } from "firebase/firestore";
import type { DocumentSnapshot, Timestamp } from "firebase-admin/firestore";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { executeRun, SimulatedCrash } from "../engine/executeRun.js";
import { createEngine, type EnqueueRun } from "../engine/engine.js";
import { eventsCollection, runRef } from "../engine/refs.js";
import { cancelRun } from "../engine/steerRun.js";
import { auth, db } from "../lib/firebase.js";
import { getImageStore } from "../lib/imageStore.js";
import { assetRef, assetsCollection, userEventsCollection } from "../lib/refs.js";
import { driveUntil, functionUrl, postJson, testPipelines, uniqueId } from "../test/emulators.js";
import { ASSETS_PROJECT_ID } from "./config.js";
import { submitAsset } from "./submitAsset.js";

// The AI asset queue end to end: uploads through the functions emulator's
// `api`, runs of `ai-processing` on the engine, the stand-in AI service (on
// the port functions/.env.demo-clementine-test names), the owner's events
// through the client SDK under the security rules.

const SAMPLE = readFileSync(new URL("../../../tools/assets/sample-coin.png", import.meta.url));
const ANALYZE_URL = `${functionUrl("api")}/assets/analyze-queue`;
const PASSWORD = "test-password";
const ENDED = new Set(["active", "failed"]);

let ai: AiService;
beforeAll(async () => {
  ai = await startAiService();
});
afterAll(() => ai.stop());
beforeEach(() => ai.reset());

interface User {
  uid: string;
  email: string;
  idToken: string;
}

/** A user with a password, so that several devices can sign in as them. */
async function newUser(): Promise<User> {
  const email = `${uniqueId("user")}@test.test`;
  const { uid } = await auth.createUser({ email, password: PASSWORD });
  return { uid, email, idToken: await signInWithPassword(email, PASSWORD) };
}

/** A client device signed in as `user`: its own app, its own Firestore connection, under the rules. */
async function device(user: User): Promise<{ db: ClientFirestore; close: () => Promise<void> }> {
  const app: FirebaseApp = initializeApp({ projectId: FIREBASE_PROJECT, apiKey: "demo-key" }, uniqueId("device"));
  const clientAuth = getAuth(app);
  connectAuthEmulator(clientAuth, AUTH_HOST, { disableWarnings: true });
  await signInWithEmailAndPassword(clientAuth, user.email, PASSWORD);
  const clientDb = getFirestore(app);
  connectFirestoreEmulator(clientDb, FIRESTORE.host, FIRESTORE.port);
  return { db: clientDb, close: async () => (await terminate(clientDb), await deleteApp(app)) };
}

interface Form {
  image?: { bytes: Buffer | Uint8Array; type?: string; filename?: string };
  category?: string;
  name?: string;
}

async function submit(idToken: string | null, form: Form = { image: { bytes: SAMPLE, type: "image/png" }, category: "coin", name: "1909 penny" }) {
  const body = new FormData();
  if (form.image) body.append("image", new Blob([form.image.bytes], { type: form.image.type ?? "application/octet-stream" }), form.image.filename ?? "photo.png");
  if (form.category !== undefined) body.append("category", form.category);
  if (form.name !== undefined) body.append("name", form.name);
  const res = await fetch(ANALYZE_URL, { method: "POST", headers: idToken ? { authorization: `Bearer ${idToken}` } : {}, body });
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}

const ended = (snap: DocumentSnapshot) => !snap.exists || ENDED.has(snap.get("status") as string);
const eventsOf = async (uid: string) => (await userEventsCollection(db, uid).get()).docs.map((d) => AssetProcessedEvent.parse(d.data()));
/** The files the image store holds for `uid`. */
const storedImages = (uid: string) => {
  const dir = join(process.env.IMAGE_STORE_DIR!, "users", uid);
  return existsSync(dir) ? readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => e.name) : [];
};
const readRun = async (runId: string) => RunRecord.parse((await runRef(db, runId).get()).data());

/** Submits the sample through `engine` in this process, as the endpoint would. */
async function submitHere(engine: ReturnType<typeof createEngine>, user: User, category = "coin") {
  const form = new FormData();
  form.append("image", new Blob([SAMPLE], { type: "image/png" }), "coin.png");
  form.append("category", category);
  const request = new Request("http://x", { method: "POST", body: form });
  return submitAsset(engine, await getImageStore(), user.uid, Buffer.from(await request.arrayBuffer()), request.headers.get("content-type")!);
}
const quietEngine = () => createEngine({ db, pipelines: testPipelines(), enqueue: () => Promise.resolve(), invocationBudgetMs: 60_000, pickupGraceMs: 2_000 });

/** Submits the sample and follows its asset until it is active or failed (the sweeper is fired meanwhile, for retries). */
async function submitAndFinish(user: User) {
  const res = await submit(user.idToken);
  expect(res.status).toBe(202);
  const { assetId, jobId } = res.body as { assetId: string; jobId: string };
  const snap = await driveUntil(assetRef(db, user.uid, assetId), ended);
  return { assetId, jobId, asset: Asset.parse(snap.data()) };
}

describe("POST /api/assets/analyze-queue: who may submit", () => {
  it("answers 401 without an ID token, and with one that does not verify", async () => {
    expect((await submit(null)).body).toEqual({ error: { code: "UNAUTHENTICATED", message: expect.any(String) as string } });
    expect((await submit("not-a-token")).status).toBe(401);
  });

  it("refuses an account whose uid cannot name a document (a custom token may carry any string), storing nothing", async () => {
    for (const uid of [`odd/${uniqueId("uid")}`, `auth0|${uniqueId("uid")}`]) {
      const res = await fetch(`${AUTH_HOST}/identitytoolkit.googleapis.com/v1/accounts:signInWithCustomToken?key=demo-key`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ token: await auth.createCustomToken(uid), returnSecureToken: true }),
      });
      const { idToken } = (await res.json()) as { idToken: string };
      expect((await submit(idToken)).body.error).toEqual({ code: "PERMISSION_DENIED", message: "This account's id cannot own assets." });
      expect(storedImages(uid)).toEqual([]);
    }
  });
});

describe("POST /api/assets/analyze-queue: validation, each error naming its field", () => {
  let user: User;
  beforeAll(async () => {
    user = await newUser();
  });

  const refused = async (form: Form, status: number, code: string, message: RegExp) => {
    const res = await submit(user.idToken, form);
    expect(res.status).toBe(status);
    expect(res.body.error.code).toBe(code);
    expect(res.body.error.message).toMatch(message);
  };

  it("no image field", () => refused({ category: "coin" }, 400, "INVALID_REQUEST", /^image: required/));

  it("a file that is not an image, whatever its content type says", () =>
    refused({ image: { bytes: Buffer.from("GIF? no: just some text pretending to be a picture"), type: "image/png" }, category: "coin" }, 400, "INVALID_REQUEST", /^image: not an image/));

  it("an image over the limit, saying the limit", () =>
    refused({ image: { bytes: Buffer.concat([SAMPLE, Buffer.alloc(10 * 1024 * 1024)]), type: "image/png" }, category: "coin" }, 413, "PAYLOAD_TOO_LARGE", /^image: at most 10 MB/));

  it("an unknown category, listing the valid ones", async () => {
    const res = await submit(user.idToken, { image: { bytes: SAMPLE, type: "image/png" }, category: "spaceship" });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toBe(`category: must be one of ${ASSET_CATEGORIES.join(", ")}`);
  });

  it("a body that is not multipart/form-data", async () => {
    const res = await postJson(ANALYZE_URL, { category: "coin" }, { authorization: `Bearer ${user.idToken}` });
    expect(res.status).toBe(415);
    expect(res.body.error.message).toMatch(/multipart\/form-data/);
  });

  it("leaves nothing behind: no asset, no run, no stored image", async () => {
    expect((await assetsCollection(db, user.uid).get()).size).toBe(0);
    expect(storedImages(user.uid)).toEqual([]);
    expect(ai.log()).toEqual([]);
  });
});

describe("an asset's life", () => {
  it("draft with its run in one commit, processing once queued, then active with the AI's metadata", async () => {
    const user = await newUser();
    // An engine in this process whose wake-up calls wait for the test: the state between commits can be seen.
    const enqueued: string[] = [];
    const seenAtEnqueue: Array<{ asset: string; run: string }> = [];
    const enqueue: EnqueueRun = async (task) => {
      const run = await runRef(db, task.runId).get();
      const [asset] = (await assetsCollection(db, user.uid).get()).docs;
      seenAtEnqueue.push({ asset: asset!.get("status") as string, run: run.get("status") as string });
      enqueued.push(task.runId);
    };
    const engine = createEngine({ db, pipelines: testPipelines(), enqueue, invocationBudgetMs: 60_000, pickupGraceMs: 2_000 });
    const { assetId, jobId } = await submitHere(engine, user);

    expect(seenAtEnqueue).toEqual([{ asset: "draft", run: "pending" }]);
    expect(storedImages(user.uid).sort()).toEqual(["original", "original.type"]);
    expect(enqueued).toEqual([jobId]);
    const processing = Asset.parse((await assetRef(db, user.uid, assetId).get()).data());
    expect(processing).toMatchObject({ ownerUid: user.uid, status: "processing", category: "coin", jobId, metadata: null, image: { path: `users/${user.uid}/assets/${assetId}/original`, contentType: "image/png", bytes: SAMPLE.length } });

    expect(await executeRun(engine, jobId)).toEqual({ kind: "completed" });
    const active = Asset.parse((await assetRef(db, user.uid, assetId).get()).data());
    expect(active).toMatchObject({ status: "active", error: null, metadata: describeImage(SAMPLE, "coin") });
    expect(ai.calls()).toEqual({ [assetId]: 1 });
    expect(await eventsOf(user.uid)).toMatchObject([{ type: "asset_processed", assetId, jobId, status: "active", metadata: describeImage(SAMPLE, "coin"), error: null }]);
  });

  it("through the endpoint: 202 with the job and the asset, and the run completes it", async () => {
    const user = await newUser();
    const { assetId, jobId, asset } = await submitAndFinish(user);
    expect(asset).toMatchObject({ status: "active", name: "1909 penny", jobId, metadata: describeImage(SAMPLE, "coin") });
    expect(await readRun(jobId)).toMatchObject({ pipeline: "ai-processing", projectId: ASSETS_PROJECT_ID, status: "completed", payload: { uid: user.uid, assetId } });
    expect(ai.calls()).toEqual({ [assetId]: 1 });
  });
});

describe("failures", () => {
  it("a transient failure is retried with backoff; after the third the asset fails, its owner is told, and the run is in the dead letters", async () => {
    const user = await newUser();
    ai.control({ failRate: 1, rateOutcome: "unavailable" });
    const { assetId, jobId, asset } = await submitAndFinish(user);
    expect(asset).toMatchObject({ status: "failed", metadata: null, error: { code: "AI_UNAVAILABLE", message: expect.stringMatching(/unavailable right now/) as string } });
    expect(ai.calls()).toEqual({ [assetId]: 3 });
    const retries = (await eventsCollection(runRef(db, jobId)).where("type", "==", "pipeline:retry_scheduled").orderBy("seq").get()).docs;
    // The policy's delays (AI_RETRY_BASE_MS=300 in the test project): 300 ms, then 600 ms.
    // (An event is stamped at its commit, a few ms after the retry was decided.)
    const delays = retries.map((e) => (e.get("retryAt") as Timestamp).toMillis() - (e.get("at") as Timestamp).toMillis());
    expect(delays.map((ms) => Math.round(ms / 100) * 100)).toEqual([300, 600]);
    expect(await eventsOf(user.uid)).toMatchObject([{ assetId, jobId, status: "failed", metadata: null, error: { code: "AI_UNAVAILABLE" } }]);

    const admin = await newUser();
    await db.doc(`projects/${ASSETS_PROJECT_ID}/members/${admin.uid}`).set({ role: "admin" });
    const dead = await postJson(`${functionUrl("api")}/projects/${ASSETS_PROJECT_ID}/dead-letters?pipeline=ai-processing&limit=200`, undefined, { authorization: `Bearer ${admin.idToken}` }, "GET");
    expect(dead.status).toBe(200);
    const letter = (dead.body.runs as Array<Record<string, any>>).find((r) => r.runId === jobId);
    expect(letter).toMatchObject({ status: "failed", error: { code: "AI_UNAVAILABLE", step: "analyze", detail: expect.stringContaining("answered 503") as string } });
  });

  it("a permanent 422 (a corrupted image) fails at once, with a message its owner can act on", async () => {
    const user = await newUser();
    ai.control({ failRate: 1, rateOutcome: "corrupted" });
    const { assetId, asset } = await submitAndFinish(user);
    expect(asset).toMatchObject({ status: "failed", error: { code: "IMAGE_UNREADABLE", message: expect.stringMatching(/couldn't read this image/) as string } });
    expect(ai.calls()).toEqual({ [assetId]: 1 });
    expect(await eventsOf(user.uid)).toMatchObject([{ assetId, status: "failed", error: { code: "IMAGE_UNREADABLE" } }]);
  });

  it("a transient failure that clears is recovered by a retry", async () => {
    const user = await newUser();
    ai.control({ failRate: 1, rateOutcome: "reset" });
    const submitted = submitAndFinish(user);
    // The first call is refused by a dropped connection; from the second on the service answers.
    await until(() => ai.log().length >= 1);
    ai.control({ failRate: 0 });
    const { assetId, asset } = await submitted;
    expect(asset.status).toBe("active");
    expect(ai.calls()[assetId]).toBeGreaterThanOrEqual(2);
  });
});

describe("an asset deleted before its run ends", () => {
  it("while waiting: the run ends quietly, with no call, no asset re-created, no event", async () => {
    const user = await newUser();
    const engine = quietEngine();
    const { assetId, jobId } = await submitHere(engine, user, "watch");
    const del = await postJson(`${functionUrl("api")}/assets/${assetId}`, undefined, { authorization: `Bearer ${user.idToken}` }, "DELETE");
    expect(del).toMatchObject({ status: 200, body: { assetId, deleted: true } });
    expect(storedImages(user.uid)).toEqual([]);

    expect(await executeRun(engine, jobId)).toEqual({ kind: "completed" });
    expect((await readRun(jobId)).executionData).toMatchObject({ metadata: null, skipped: expect.stringContaining("deleted") as string });
    expect((await assetRef(db, user.uid, assetId).get()).exists).toBe(false);
    expect(await eventsOf(user.uid)).toEqual([]);
    expect(ai.calls()).toEqual({});
  });

  it("during the AI call: the result is dropped, the asset stays deleted, no event pretends success", async () => {
    const user = await newUser();
    ai.control({ latencyMs: 1500 });
    const res = await submit(user.idToken);
    const { assetId, jobId } = res.body as { assetId: string; jobId: string };
    await until(() => ai.calls()[assetId] === 1);
    await postJson(`${functionUrl("api")}/assets/${assetId}`, undefined, { authorization: `Bearer ${user.idToken}` }, "DELETE");
    await driveUntil(runRef(db, jobId), (snap) => snap.get("status") === "completed");
    // The AI answered (it had fetched the image before the delete), and its answer went nowhere.
    expect((await readRun(jobId)).executionData).toMatchObject({ metadata: describeImage(SAMPLE, "coin") });
    expect((await assetRef(db, user.uid, assetId).get()).exists).toBe(false);
    expect(await eventsOf(user.uid)).toEqual([]);
  });

  it("someone else's asset cannot be deleted", async () => {
    const [owner, other] = [await newUser(), await newUser()];
    const { assetId } = (await submit(owner.idToken)).body as { assetId: string };
    const del = await postJson(`${functionUrl("api")}/assets/${assetId}`, undefined, { authorization: `Bearer ${other.idToken}` }, "DELETE");
    expect(del.body.error.code).toBe("ASSET_NOT_FOUND");
    await driveUntil(assetRef(db, owner.uid, assetId), ended);
  });
});

describe("an admin cancels a run", () => {
  it("its asset fails as cancelled and its owner is told; a cancelled run of a deleted asset tells nobody", async () => {
    const user = await newUser();
    const engine = quietEngine();
    const { assetId, jobId } = await submitHere(engine, user);
    expect((await cancelRun(engine, jobId)).kind).toBe("done");
    expect(Asset.parse((await assetRef(db, user.uid, assetId).get()).data())).toMatchObject({ status: "failed", error: { code: "CANCELLED" } });
    expect(await eventsOf(user.uid)).toMatchObject([{ assetId, status: "failed", error: { code: "CANCELLED" } }]);

    const gone = await submitHere(engine, user);
    await assetRef(db, user.uid, gone.assetId).delete();
    expect((await cancelRun(engine, gone.jobId)).kind).toBe("done");
    expect((await assetRef(db, user.uid, gone.assetId).get()).exists).toBe(false);
    expect(await eventsOf(user.uid)).toHaveLength(1);
  });
});

describe("a worker that dies mid-call", () => {
  it("is replaced once its lease expires; the asset gets one result and its owner one event, though the AI was called twice", async () => {
    const user = await newUser();
    let offset = 0;
    const engine = createEngine({ db, pipelines: testPipelines(), enqueue: () => Promise.resolve(), now: () => Date.now() + offset, invocationBudgetMs: 60_000, pickupGraceMs: 2_000 });
    const { assetId, jobId } = await submitHere(engine, user);

    const crash = new SimulatedCrash("the instance died after the AI answered");
    await expect(executeRun(engine, jobId, { afterStep: () => Promise.reject(crash) })).rejects.toBe(crash);
    expect(ai.calls()).toEqual({ [assetId]: 1 });
    expect((await assetRef(db, user.uid, assetId).get()).get("status")).toBe("processing");
    expect(await executeRun(engine, jobId)).toEqual({ kind: "skipped", reason: "held" });

    offset += 2 * 60_000;
    expect(await executeRun(engine, jobId)).toEqual({ kind: "completed" });
    expect(ai.calls()).toEqual({ [assetId]: 2 });
    expect((await assetRef(db, user.uid, assetId).get()).get("status")).toBe("active");
    expect(await eventsOf(user.uid)).toHaveLength(1);
    // A delivery arriving late finds the run ended and writes nothing.
    expect(await executeRun(engine, jobId)).toEqual({ kind: "skipped", reason: "ended" });
    expect(await eventsOf(user.uid)).toHaveLength(1);
  });
});

describe("live events", () => {
  it("reach both of the owner's devices, never another user's, and a device that was offline reads the final status", async () => {
    const [owner, other] = [await newUser(), await newUser()];
    const devices = [await device(owner), await device(owner), await device(other), await device(other)];
    try {
      const received = devices.map(() => [] as Array<Record<string, unknown>>);
      const cleanup: Array<() => void> = [];
      const ready = devices.map((d, i) =>
        new Promise<void>((resolve, reject) => {
          const uid = i < 2 ? owner.uid : other.uid;
          const stop = onSnapshot(collection(d.db, "users", uid, "events"), (snap) => {
            for (const change of snap.docChanges()) received[i]!.push(change.doc.data());
            resolve();
          }, reject);
          cleanup.push(stop);
        }),
      );
      await Promise.all(ready);

      const { assetId, jobId } = (await submit(owner.idToken)).body as { assetId: string; jobId: string };
      await driveUntil(assetRef(db, owner.uid, assetId), ended);
      await until(() => received[0]!.length > 0 && received[1]!.length > 0);
      for (const events of received.slice(0, 2)) expect(events).toMatchObject([{ type: "asset_processed", assetId, jobId, status: "active", metadata: describeImage(SAMPLE, "coin") }]);

      // The other user's devices heard nothing, and may not read the owner's events or assets.
      expect(received.slice(2)).toEqual([[], []]);
      await expect(getDocs(collection(devices[2]!.db, "users", owner.uid, "events"))).rejects.toMatchObject({ code: "permission-denied" });
      await expect(getDoc(doc(devices[2]!.db, "users", owner.uid, "assets", assetId))).rejects.toMatchObject({ code: "permission-denied" });

      const later = await device(owner);
      const assets = await getDocs(collection(later.db, "users", owner.uid, "assets"));
      expect(assets.docs.map((d) => [d.id, d.get("status") as string])).toEqual([[assetId, "active"]]);
      await later.close();
      for (const stop of cleanup) stop();
    } finally {
      await Promise.all(devices.map((d) => d.close()));
    }
  });
});

describe("a backed-up queue", () => {
  it("starts the waiting assets in submission order as slots free, never more than AI_CONCURRENCY (2) at once", async () => {
    const user = await newUser();
    const one = async () => (await submit(user.idToken)).body as { assetId: string; jobId: string };
    // Two assets take both slots and stay in their AI call until released.
    ai.control({ hold: true });
    const blockers = [await one(), await one()];
    await until(() => ai.log().length === 2);
    const queued: Array<{ assetId: string; jobId: string }> = [];
    for (let i = 0; i < 4; i++) queued.push(await one());
    // Each queued run's delivery came and found no free slot: the run waits, its wake-up now only the sweeper's backstop (minutes away).
    const queuedByDelivery = (s: DocumentSnapshot) => s.get("status") === "pending" && s.get("admission.waiting") === true && (s.get("wakeAt") as Timestamp).toMillis() > Date.now() + 60_000;
    const queuedRuns = () => db.getAll(...queued.map((q) => runRef(db, q.jobId)));
    await until(async () => (await queuedRuns()).every(queuedByDelivery), 20_000, async () =>
      JSON.stringify({
        queued: (await queuedRuns()).map((s) => ({ status: s.get("status") as string, admission: s.get("admission") as unknown, lease: s.get("lease") as unknown, steps: s.get("steps") as unknown })),
        blockers: (await db.getAll(...blockers.map((b) => runRef(db, b.jobId)))).map((s) => ({ status: s.get("status") as string, lease: s.get("lease") as unknown })),
        gate: (await db.collection("runGates").where("scope", "==", "ai-processing").get()).docs.map((d) => d.data()),
        now: Date.now(),
        calls: ai.log(),
      }),
  );
    expect(ai.log().map((c) => c.assetId).sort()).toEqual(blockers.map((b) => b.assetId).sort());

    // One slot at a time: each held call let go frees one, and the longest-waiting asset takes it.
    for (const [i, next] of queued.entries()) {
      await until(() => ai.held() === 2);
      ai.release(1);
      await until(() => ai.log().length === 3 + i);
      expect(ai.log()[2 + i]!.assetId).toBe(next.assetId);
    }
    ai.control({ hold: false });
    for (const { assetId } of [...blockers, ...queued]) await driveUntil(assetRef(db, user.uid, assetId), ended);
    const log = ai.log();
    expect(log).toHaveLength(6);
    const inFlight = (t: number) => log.filter((c) => c.at <= t && t < (c.doneAt ?? Infinity)).length;
    expect(Math.max(...log.map((c) => inFlight(c.at)))).toBe(2);
  });
});

describe("queue health", () => {
  it("admins of the queue's project read its counts; nobody else does", async () => {
    const admin = await newUser();
    await db.doc(`projects/${ASSETS_PROJECT_ID}/members/${admin.uid}`).set({ role: "admin" });
    const url = `${functionUrl("api")}/projects/${ASSETS_PROJECT_ID}/pipelines/ai-processing/stats`;
    const stats = await postJson(url, undefined, { authorization: `Bearer ${admin.idToken}` }, "GET");
    expect(stats.status).toBe(200);
    const runs = db.collection("runs").where("projectId", "==", ASSETS_PROJECT_ID).where("pipeline", "==", "ai-processing");
    const count = async (status: string) => (await runs.where("status", "==", status).count().get()).data().count;
    // Every earlier test's run has ended: what the API says is what the runs are.
    expect(stats.body).toMatchObject({ pipeline: "ai-processing", waiting: 0, running: 0, completed: await count("completed"), failed: await count("failed") });
    expect(stats.body.completed).toBeGreaterThan(0);
    expect(stats.body.failed).toBeGreaterThanOrEqual(2);
    const user = await newUser();
    expect((await postJson(url, undefined, { authorization: `Bearer ${user.idToken}` }, "GET")).status).toBe(403);
  });
});

/** Polls `check` every 25 ms until it holds; fails after `timeoutMs`, with what `describe` says of the state. */
async function until(check: () => boolean | Promise<boolean>, timeoutMs = 10_000, describe: () => Promise<string> = () => Promise.resolve("")) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`condition not met in time ${await describe()}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
