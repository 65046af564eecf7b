// `npm run demo`: a guest's visit, with the client SDK against the local stack.
// Signs in anonymously, starts a session on the demo experience, asks the
// backend to transform it, and draws the progress from a Firestore listener on
// the session, exactly what a guest's app sees, until the job ends.
// `--session demo-session` uses the seeded session instead, signed in as its
// seeded guest with a custom token from the local Auth emulator.
import { SessionJobView, StartTransformPipelineResponse, ApiErrorBody } from "@clementine/shared";
import { initializeApp } from "firebase/app";
import { connectAuthEmulator, getAuth, signInAnonymously, signInWithCustomToken } from "firebase/auth";
import { initializeApp as initializeAdminApp } from "firebase-admin/app";
import { getAuth as getAdminAuth } from "firebase-admin/auth";
import { connectFirestoreEmulator, doc, getFirestore, onSnapshot, setDoc, terminate } from "firebase/firestore";
import { parseArgs } from "node:util";
import { AUTH_HOST, FIREBASE_PROJECT, FIRESTORE, functionUrl, useEmulatorsForAdmin } from "./emulatorConfig.js";
import { progressLine } from "./progressBar.js";
import { DEMO } from "./seed.js";

const { values } = parseArgs({
  options: { experience: { type: "string", default: DEMO.experienceId }, session: { type: "string" } },
});

const app = initializeApp({ projectId: FIREBASE_PROJECT, apiKey: "demo-key", authDomain: `${FIREBASE_PROJECT}.firebaseapp.com` });
const auth = getAuth(app);
connectAuthEmulator(auth, AUTH_HOST, { disableWarnings: true });
const db = getFirestore(app);
connectFirestoreEmulator(db, FIRESTORE.host, FIRESTORE.port);

function stop(message: string, code = 1): never {
  console.error(message);
  process.exit(code);
}

const unreachable = () => stop(`Could not reach the Auth emulator at ${AUTH_HOST}. Start the local stack first: npm start`);

async function seededGuestToken(): Promise<string> {
  useEmulatorsForAdmin();
  return getAdminAuth(initializeAdminApp({ projectId: FIREBASE_PROJECT }, "demo-admin")).createCustomToken(DEMO.guestUid);
}

let sessionId: string;
if (values.session) {
  sessionId = values.session;
  const guest = await signInWithCustomToken(auth, await seededGuestToken()).catch(unreachable);
  console.log(`Signed in as the seeded guest ${guest.user.uid}; using session ${sessionId}`);
} else {
  const guest = await signInAnonymously(auth).catch(unreachable);
  console.log(`Signed in anonymously as guest ${guest.user.uid}`);
  // A guest's app creates the session when the visit starts (the rules allow exactly this).
  sessionId = `demo-${Date.now().toString(36)}`;
  await setDoc(doc(db, "projects", DEMO.projectId, "sessions", sessionId), {
    experienceId: values.experience,
    guestUid: guest.user.uid,
    inputs: { capture: { photo: "gs://demo-project/captures/demo.jpg" } },
  });
  console.log(`Session ${sessionId} on experience ${values.experience}`);
}
const sessionRef = doc(db, "projects", DEMO.projectId, "sessions", sessionId);
const user = auth.currentUser!;
console.log("Starting the transform…");

const res = await fetch(functionUrl("startTransformPipeline"), {
  method: "POST",
  headers: { "content-type": "application/json", authorization: `Bearer ${await user.getIdToken()}` },
  body: JSON.stringify({ projectId: DEMO.projectId, sessionId, stepId: "transform" }),
});
const body: unknown = await res.json();
let jobId: string;
const existing = (body as { jobId?: unknown } | null)?.jobId;
if (res.status === 409 && typeof existing === "string") {
  // One job per session: the seeded session keeps the job it already has.
  jobId = existing;
  console.log(`This session already has job ${jobId} (${ApiErrorBody.safeParse(body).data?.error.code}: one job per session). Its state, from the session document:\n`);
} else {
  if (!res.ok) stop(`startTransformPipeline answered ${res.status}: ${JSON.stringify(ApiErrorBody.safeParse(body).data?.error ?? body)}`);
  jobId = StartTransformPipelineResponse.parse(body).jobId;
  console.log(`Job ${jobId} accepted (HTTP ${res.status}). Live progress from the session document:\n`);
}

const tty = process.stdout.isTTY;
let last = "";
const ended = await new Promise<SessionJobView>((resolve, reject) => {
  const unsubscribe = onSnapshot(
    sessionRef,
    (snap) => {
      const view = SessionJobView.safeParse(snap.data());
      if (!view.success || view.data.jobId !== jobId) return;
      const line = progressLine(view.data);
      if (line !== last) process.stdout.write(tty ? `\r${line}\x1b[K` : `${line}\n`);
      last = line;
      if (view.data.jobStatus && !["pending", "running"].includes(view.data.jobStatus)) {
        unsubscribe();
        resolve(view.data);
      }
    },
    reject,
  );
});

if (tty) process.stdout.write("\n");
if (ended.jobStatus === "completed") console.log(`\n✔ Completed. Admins see the full job at projects/${DEMO.projectId}/jobs/${jobId}.`);
else console.log(`\n✖ ${ended.jobStatus}: [${ended.jobError?.code}] ${ended.jobError?.message}\n  (the technical detail is on the job document, for admins)`);
await terminate(db);
process.exit(ended.jobStatus === "completed" ? 0 : 2);
