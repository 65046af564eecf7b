import { getApps, initializeApp, type App } from "firebase-admin/app";
import { getAuth } from "firebase-admin/auth";
import { getFirestore } from "firebase-admin/firestore";
import { getFunctions } from "firebase-admin/functions";

const emulated =
  process.env.FUNCTIONS_EMULATOR === "true" || Boolean(process.env.FIRESTORE_EMULATOR_HOST);

function init(): App {
  const existing = getApps()[0];
  if (existing) return existing;
  if (!emulated) return initializeApp();
  // Without both ids, the Admin SDK asks the cloud metadata server for them on
  // the first task enqueue: traffic that must never leave a local machine.
  const projectId = process.env.GCLOUD_PROJECT ?? process.env.GOOGLE_CLOUD_PROJECT ?? "demo-clementine";
  return initializeApp({ projectId, serviceAccountId: `emulator@${projectId}.iam.gserviceaccount.com` });
}

export const app = init();
export const db = getFirestore(app);
db.settings({ ignoreUndefinedProperties: true });
export const auth = getAuth(app);
export const functions = getFunctions(app);
