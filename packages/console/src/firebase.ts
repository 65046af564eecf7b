import { initializeApp, type FirebaseApp } from "firebase/app";
import { connectAuthEmulator, getAuth, type Auth } from "firebase/auth";
import { connectFirestoreEmulator, getFirestore, type Firestore } from "firebase/firestore";

export interface Services {
  app: FirebaseApp;
  auth: Auth;
  db: Firestore;
  projectId: string;
  /** True when the page is served by the Hosting emulator, with the other emulators beside it. */
  local: boolean;
}

interface EmulatorInfo {
  host: string;
  port: number;
  hostAndPort: string;
}

/**
 * Firebase Hosting serves the project's web config at /__/firebase/init.json;
 * the Hosting emulator also says, in init.js?useEmulator=true, where the
 * other emulators listen. Nothing about the project is built into the bundle:
 * the same files run locally and deployed.
 */
export async function connect(): Promise<Services> {
  const config = (await (await fetch("/__/firebase/init.json")).json()) as Record<string, string> & { projectId: string };
  const script = await (await fetch("/__/firebase/init.js?useEmulator=true")).text();
  const found = /var firebaseEmulators = (\{[\s\S]*?\n\});/.exec(script)?.[1];
  const emulators = found ? (JSON.parse(found) as Record<string, EmulatorInfo>) : null;
  const app = initializeApp(config);
  const auth = getAuth(app);
  const db = getFirestore(app);
  if (emulators?.auth) connectAuthEmulator(auth, `http://${emulators.auth.hostAndPort}`, { disableWarnings: true });
  if (emulators?.firestore) connectFirestoreEmulator(db, emulators.firestore.host, emulators.firestore.port);
  return { app, auth, db, projectId: config.projectId, local: Boolean(emulators?.firestore) };
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** The admin API, under the Hosting rewrite /api/**, with the signed-in user's ID token. */
export async function api<T>(auth: Auth, method: "GET" | "POST", path: string, body?: unknown): Promise<{ status: number; body: T }> {
  const token = await auth.currentUser?.getIdToken();
  const res = await fetch(`/api${path}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { "content-type": "application/json" } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const json = (await res.json().catch(() => null)) as { error?: { code: string; message: string } } | null;
  if (!res.ok) throw new ApiError(res.status, json?.error?.code ?? "INTERNAL", json?.error?.message ?? `The API answered ${res.status}.`);
  return { status: res.status, body: json as T };
}
