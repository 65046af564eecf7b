// Helpers for tests that run against the Firebase emulator suite started by
// `npm test` (firebase emulators:exec). Nothing here fakes a Firebase service.
import type { Experience, TransformNode } from "@clementine/shared";
import { randomUUID } from "node:crypto";
import { fireScheduledFunction } from "@clementine/tools/scheduledFunctions";
import type { DocumentReference, DocumentSnapshot } from "firebase-admin/firestore";
import { FIREBASE_PROJECT, FUNCTIONS_HOST, REGION, functionUrl } from "@clementine/tools/emulatorConfig";
import { createEngine } from "../engine/engine.js";
import { db } from "../lib/firebase.js";
import { pipelines } from "../pipelines/index.js";
import { getImageStore } from "../lib/imageStore.js";
import { AI_SERVICE_PORT } from "@clementine/tools/aiService";
import { experienceRef, sessionRef } from "../lib/refs.js";

export { functionUrl } from "@clementine/tools/emulatorConfig";
export { signUpAnonymously, type Guest } from "@clementine/tools/authEmulator";

if (!process.env.FIRESTORE_EMULATOR_HOST) {
  throw new Error("FIRESTORE_EMULATOR_HOST is not set: run the tests with `npm test`, which starts the emulators");
}

/** A fresh app-level project per test, so tests never see each other's documents. */
export const uniqueId = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`;

export const nodes = (count: number, simulate: NonNullable<TransformNode["config"]>["simulate"] = {}): TransformNode[] =>
  Array.from({ length: count }, (_, i) => ({ id: `node-${i + 1}`, type: "stub", config: { simulate } }));

/** A project with one experience and one guest session on it. */
export async function seedSession(options: { nodes?: TransformNode[] | null; guestUid: string; inputs?: Record<string, unknown> }) {
  const projectId = uniqueId("proj");
  const experienceId = uniqueId("exp");
  const sessionId = uniqueId("sess");
  const experience: Experience = { name: "Test experience" };
  if (options.nodes !== null) experience.transform = { nodes: options.nodes ?? nodes(2) };
  await experienceRef(db, projectId, experienceId).set(experience);
  await sessionRef(db, projectId, sessionId).set({
    experienceId,
    guestUid: options.guestUid,
    inputs: options.inputs ?? { capture: { photo: "gs://demo/photo.jpg" } },
    jobId: null,
    jobStatus: null,
    jobProgress: null,
    jobError: null,
  });
  return { projectId, experienceId, sessionId };
}

export async function postJson(url: string, body: unknown, headers: Record<string, string> = {}, method = "POST") {
  const res = await fetch(url, {
    method,
    headers: { "content-type": "application/json", ...headers },
    ...(method === "GET" ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  let json: unknown = null;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: res.status, body: json as Record<string, any>, headers: Object.fromEntries(res.headers) };
}

export interface RawReply {
  status: number;
  contentType: string;
  text: string;
  /** The body's size on the wire, in bytes. */
  bytes: number;
  ms: number;
}

/** Any request, sent as given (no JSON encoding, no default headers), with a deadline. */
export async function sendRaw(url: string, init: { method?: string; headers?: Record<string, string>; body?: string | Uint8Array }, timeoutMs = 15_000): Promise<RawReply> {
  const started = performance.now();
  const res = await fetch(url, { method: init.method ?? "POST", headers: init.headers ?? {}, body: init.body ?? null, signal: AbortSignal.timeout(timeoutMs) });
  const buffer = Buffer.from(await res.arrayBuffer());
  return { status: res.status, contentType: res.headers.get("content-type") ?? "", text: buffer.toString("utf8"), bytes: buffer.length, ms: performance.now() - started };
}

/** Text that would tell a client about our internals: stack frames, absolute paths, exception names. */
export const INTERNALS = /\bat \S+ \(|\bat (async )?file:|\/(work|srv|home|usr|tmp|root)\/|node_modules|[A-Z][a-z]+Error\b|Exception|firestore\.googleapis/;

export function startPipeline(body: unknown, idToken?: string) {
  return postJson(functionUrl("startTransformPipeline"), body, idToken ? { authorization: `Bearer ${idToken}` } : {});
}

/** Delivers a wake-up call to the engine's task function the way the Cloud Tasks emulator does; resolves when the handler is done. */
export function deliverTask(data: unknown) {
  return postJson(functionUrl("pipelineRun"), { data });
}

/**
 * This deployment's pipelines as the test project's functions run them: the
 * AI queue's settings are those of functions/.env.demo-clementine-test.
 */
export function testPipelines({ transformTimeoutSeconds = 60 }: { transformTimeoutSeconds?: number } = {}) {
  return pipelines({
    db,
    transformTimeoutSeconds,
    assets: { store: getImageStore, serviceUrl: () => `http://127.0.0.1:${AI_SERVICE_PORT}`, timeoutMs: 10_000, retryBaseMs: 300, concurrency: 2 },
  });
}

/**
 * An engine in this process, with this deployment's pipelines, whose wake-up
 * calls are recorded instead of sent: for tests that deliver them themselves.
 */
export function testEngine(options: { transformTimeoutSeconds?: number } = {}) {
  const enqueued: Array<{ runId: string; id: string; at: number | null }> = [];
  const engine = createEngine({
    db,
    pipelines: testPipelines(options),
    enqueue: (task, opts) => {
      enqueued.push({ runId: task.runId, ...opts });
      return Promise.resolve();
    },
    invocationBudgetMs: 60_000,
    pickupGraceMs: 2_000,
  });
  return { engine, enqueued };
}

/** Fires a scheduled function once, as the local stack's scheduler does; resolves with its status when done. */
export function fireSchedule(name: string) {
  return fireScheduledFunction(FUNCTIONS_HOST, FIREBASE_PROJECT, { id: `${REGION}-${name}`, name });
}

/**
 * Resolves with the first snapshot that satisfies `until`, collecting every
 * snapshot seen on the way. Listens, never sleeps; fails after `timeoutMs`.
 */
export function watchDoc(ref: DocumentReference, until: (snap: DocumentSnapshot) => boolean, timeoutMs = 20_000, signal?: AbortSignal) {
  const seen: DocumentSnapshot[] = [];
  return new Promise<DocumentSnapshot[]>((resolve, reject) => {
    const timer = setTimeout(() => {
      stop();
      reject(new Error(`${ref.path}: condition not met within ${timeoutMs} ms; last: ${JSON.stringify(seen.at(-1)?.data())}`));
    }, timeoutMs);
    signal?.addEventListener("abort", () => {
      clearTimeout(timer);
      stop();
      reject(signal.reason instanceof Error ? signal.reason : new Error("watch abandoned"));
    });
    const stop = ref.onSnapshot(
      (snap) => {
        seen.push(snap);
        if (until(snap)) {
          clearTimeout(timer);
          stop();
          resolve(seen);
        }
      },
      (error) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

export const TERMINAL = ["completed", "failed", "cancelled"];
export const isEnded = (snap: DocumentSnapshot) => TERMINAL.includes(snap.get("jobStatus") ?? snap.get("status"));

/**
 * Waits for `ref` to satisfy `until`, playing the local stack's scheduler
 * meanwhile: between short watches it fires the sweeper, which wakes runs due
 * (the Tasks emulator delivers delayed tasks at once, so a retry's wake-up
 * comes from the sweeper). Fails after `deadlineMs`.
 */
export async function driveUntil(ref: DocumentReference, until: (snap: DocumentSnapshot) => boolean, deadlineMs = 40_000): Promise<DocumentSnapshot> {
  const giveUp = Date.now() + deadlineMs;
  for (;;) {
    try {
      return (await watchDoc(ref, until, 1500)).at(-1)!;
    } catch (error) {
      if (Date.now() > giveUp) throw error;
    }
    await fireSchedule("sweepRuns");
  }
}
