// The bare Firebase baseline the engine is measured against (npm run bench
// only; never deployed): an HTTP function that verifies the guest's ID token
// (as any guest endpoint must), writes one pending document and enqueues a
// task, and a task function that runs the same stub steps as the bench's
// transform with one plain write each. No lease, no memo, no mirror, no
// validation: the least a guest-started Cloud Tasks job on Firestore can do.
import { initializeApp } from "firebase-admin/app";
import { getAuth } from "firebase-admin/auth";
import { FieldValue, getFirestore } from "firebase-admin/firestore";
import { getFunctions } from "firebase-admin/functions";
import { onRequest } from "firebase-functions/https";
import { onTaskDispatched } from "firebase-functions/tasks";

const REGION = "europe-west1";
const STEPS = 5;
const projectId = process.env.GCLOUD_PROJECT ?? "demo-clementine-bench";
// Both ids, or the Admin SDK asks the cloud metadata server for them on enqueue.
const app = initializeApp({ projectId, serviceAccountId: `emulator@${projectId}.iam.gserviceaccount.com` }, "baseline");
const db = getFirestore(app);
const queue = () => getFunctions(app).taskQueue<{ id: string }>(`locations/${REGION}/functions/baselineRun`);

export const baselineStart = onRequest({ region: REGION, invoker: "public" }, async (req, res) => {
  // In the emulator this asks the Auth emulator for the user, as the engine's start does.
  await getAuth(app).verifyIdToken(req.get("authorization")?.replace(/^Bearer /, "") ?? "");
  const { id, burst } = req.body as { id: string; burst: string };
  await db.collection("baseline").doc(id).set({ status: "pending", burst, step: 0, createdAt: FieldValue.serverTimestamp() });
  await queue().enqueue({ id });
  res.status(202).json({ id });
});

export const baselineRun = onTaskDispatched<{ id: string }>(
  { region: REGION, retryConfig: { maxAttempts: 3 }, rateLimits: { maxConcurrentDispatches: 10 } },
  async (request) => {
    const ref = db.collection("baseline").doc(request.data.id);
    for (let step = 1; step <= STEPS; step++) {
      await ref.update({ status: step === STEPS ? "completed" : "running", step, [`at${step}`]: FieldValue.serverTimestamp() });
    }
  },
);
