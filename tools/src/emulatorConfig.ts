// Where the local emulators listen, read from firebase.json and .firebaserc so
// the tools and the config never disagree.
import { readFileSync } from "node:fs";

const root = new URL("../../", import.meta.url);
/** Another firebase.json in the root (a second stack on other ports) when CLEMENTINE_FIREBASE_CONFIG names one. */
const firebaseJson = JSON.parse(readFileSync(new URL(process.env.CLEMENTINE_FIREBASE_CONFIG ?? "firebase.json", root), "utf8")) as {
  emulators: Record<"auth" | "functions" | "firestore" | "hosting", { host: string; port: number }>;
};
const firebaserc = JSON.parse(readFileSync(new URL(".firebaserc", root), "utf8")) as { projects: { default: string } };

const { auth, functions, firestore, hosting } = firebaseJson.emulators;

/** The Firebase project the emulators run as: always a demo- one, never a real project. */
export const FIREBASE_PROJECT = process.env.GCLOUD_PROJECT ?? firebaserc.projects.default;
export const REGION = "europe-west1";
export const FUNCTIONS_HOST = `http://${functions.host}:${functions.port}`;
export const AUTH_HOST = `http://${auth.host}:${auth.port}`;
export const FIRESTORE = firestore;
/** The operations console, served by the Hosting emulator (with /api/** rewritten to the admin API). */
export const CONSOLE_URL = `http://${hosting.host}:${hosting.port}`;
export const functionUrl = (name: string) => `${FUNCTIONS_HOST}/${FIREBASE_PROJECT}/${REGION}/${name}`;

/** Lets the Admin SDK find the emulators when a tool runs outside `emulators:exec`. */
export function useEmulatorsForAdmin() {
  process.env.FIRESTORE_EMULATOR_HOST ??= `${firestore.host}:${firestore.port}`;
  process.env.FIREBASE_AUTH_EMULATOR_HOST ??= `${auth.host}:${auth.port}`;
  process.env.GCLOUD_PROJECT ??= FIREBASE_PROJECT;
}
