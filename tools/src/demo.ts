// `npm run demo`: a guest's visit, with the client SDK against the local stack.
// Signs in anonymously, starts a session on the demo experience, asks the
// backend to transform it, and draws the progress from a Firestore listener on
// the session, exactly what a guest's app sees, until the job ends.
import { SessionJobView, StartTransformPipelineResponse, ApiErrorBody } from "@clementine/shared";
import { initializeApp } from "firebase/app";
import { connectAuthEmulator, getAuth, signInAnonymously } from "firebase/auth";
import { connectFirestoreEmulator, doc, getFirestore, onSnapshot, setDoc, terminate } from "firebase/firestore";
import { parseArgs } from "node:util";
import { AUTH_HOST, FIREBASE_PROJECT, FIRESTORE, functionUrl } from "./emulatorConfig.js";
import { progressLine } from "./progressBar.js";
import { DEMO } from "./seed.js";

const { values } = parseArgs({ options: { experience: { type: "string", default: DEMO.experienceId } } });
const experienceId = values.experience;

const app = initializeApp({ projectId: FIREBASE_PROJECT, apiKey: "demo-key", authDomain: `${FIREBASE_PROJECT}.firebaseapp.com` });
const auth = getAuth(app);
connectAuthEmulator(auth, AUTH_HOST, { disableWarnings: true });
const db = getFirestore(app);
connectFirestoreEmulator(db, FIRESTORE.host, FIRESTORE.port);

function stop(message: string, code = 1): never {
  console.error(message);
  process.exit(code);
}

const guest = await signInAnonymously(auth).catch(() =>
  stop(`Could not reach the Auth emulator at ${AUTH_HOST}. Start the local stack first: npm start`),
);
console.log(`Signed in anonymously as guest ${guest.user.uid}`);

// A guest's app creates the session when the visit starts (the rules allow exactly this).
const sessionId = `demo-${Date.now().toString(36)}`;
const sessionRef = doc(db, "projects", DEMO.projectId, "sessions", sessionId);
await setDoc(sessionRef, { experienceId, guestUid: guest.user.uid, inputs: { capture: { photo: "gs://demo-project/captures/demo.jpg" } } });
console.log(`Session ${sessionId} on experience ${experienceId}; starting the transform…`);

const res = await fetch(functionUrl("startTransformPipeline"), {
  method: "POST",
  headers: { "content-type": "application/json", authorization: `Bearer ${await guest.user.getIdToken()}` },
  body: JSON.stringify({ projectId: DEMO.projectId, sessionId, stepId: "transform" }),
});
const body: unknown = await res.json();
if (!res.ok) stop(`startTransformPipeline answered ${res.status}: ${JSON.stringify(ApiErrorBody.safeParse(body).data?.error ?? body)}`);
const { jobId } = StartTransformPipelineResponse.parse(body);
console.log(`Job ${jobId} accepted (HTTP ${res.status}). Live progress from the session document:\n`);

const tty = process.stdout.isTTY;
let last = "";
const ended = await new Promise<SessionJobView>((resolve, reject) => {
  const unsubscribe = onSnapshot(
    sessionRef,
    (snap) => {
      const view = SessionJobView.safeParse(snap.data());
      if (!view.success || view.data.jobId !== jobId) return;
      const line = progressLine(view.data);
      if (line !== last) process.stdout.write(tty ? `\r${line}` : `${line}\n`);
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
