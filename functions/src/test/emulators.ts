// Helpers for tests that run against the Firebase emulator suite started by
// `npm test` (firebase emulators:exec). Nothing here fakes a Firebase service.
import type { Experience, TransformNode } from "@clementine/shared";
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { fireScheduledFunction } from "@clementine/tools/scheduledFunctions";
import type { DocumentReference, DocumentSnapshot } from "firebase-admin/firestore";
import { REGION } from "../config.js";
import { db } from "../lib/firebase.js";
import { experienceRef, sessionRef } from "../lib/refs.js";

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the tests with \`npm test\`, which starts the emulators`);
  return value;
}

export const GCLOUD_PROJECT = required("GCLOUD_PROJECT");
const emulatorConfig = JSON.parse(readFileSync(new URL("../../../firebase.json", import.meta.url), "utf8")).emulators;
const FUNCTIONS_HOST = `http://${emulatorConfig.functions.host}:${emulatorConfig.functions.port}`;
const AUTH_HOST = `http://${required("FIREBASE_AUTH_EMULATOR_HOST")}`;

export const functionUrl = (name: string) => `${FUNCTIONS_HOST}/${GCLOUD_PROJECT}/${REGION}/${name}`;

/** A fresh app-level project per test, so tests never see each other's documents. */
export const uniqueId = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`;

export interface Guest {
  uid: string;
  idToken: string;
}

/** Signs a guest in anonymously through the Auth emulator's REST API, as a web client would. */
export async function signInAnonymously(): Promise<Guest> {
  const res = await fetch(`${AUTH_HOST}/identitytoolkit.googleapis.com/v1/accounts:signUp?key=demo-key`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ returnSecureToken: true }),
  });
  if (!res.ok) throw new Error(`anonymous sign-in failed: ${res.status} ${await res.text()}`);
  const body = (await res.json()) as { localId: string; idToken: string };
  return { uid: body.localId, idToken: body.idToken };
}

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
  return { status: res.status, body: json as Record<string, any> };
}

export function startPipeline(body: unknown, idToken?: string) {
  return postJson(functionUrl("startTransformPipeline"), body, idToken ? { authorization: `Bearer ${idToken}` } : {});
}

/** Delivers a task to the task function the way the Cloud Tasks emulator does; resolves when the handler is done. */
export function deliverTask(data: unknown) {
  return postJson(functionUrl("transformPipelineJob"), { data });
}

/** Fires a scheduled function once, as the local stack's scheduler does; resolves with its status when done. */
export function fireSchedule(name: string) {
  return fireScheduledFunction(FUNCTIONS_HOST, GCLOUD_PROJECT, { id: `${REGION}-${name}`, name });
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
