// `npm run demo:asset`: a user's view of the AI asset queue, with the client
// SDK against the local stack. Signs in anonymously, listens to the user's
// events (what every device of theirs would do), uploads a photo to
// POST /api/assets/analyze-queue, and follows the asset until its
// `asset_processed` event arrives.
//   --image FILE        the photo to upload (default: tools/assets/sample-coin.png)
//   --category NAME     its category (default: coin)
//   --unreadable        the stand-in AI service finds the image corrupted: the asset fails at once
//   --flaky             the stand-in AI service fails the first two calls (503): retries recover it
import { ApiErrorBody, AssetProcessedEvent, type Asset } from "@clementine/shared";
import { initializeApp } from "firebase/app";
import { connectAuthEmulator, getAuth, signInAnonymously } from "firebase/auth";
import { collection, connectFirestoreEmulator, doc, getFirestore, onSnapshot, terminate } from "firebase/firestore";
import { readFileSync } from "node:fs";
import { basename } from "node:path";
import { parseArgs } from "node:util";
import { AI_SERVICE_PORT } from "./aiService.js";
import { AUTH_HOST, CONSOLE_URL, FIREBASE_PROJECT, FIRESTORE, functionUrl } from "./emulatorConfig.js";

const { values } = parseArgs({
  options: {
    image: { type: "string", default: new URL("../assets/sample-coin.png", import.meta.url).pathname },
    category: { type: "string", default: "coin" },
    unreadable: { type: "boolean" },
    flaky: { type: "boolean" },
  },
});
const AI_CONTROL = `http://127.0.0.1:${AI_SERVICE_PORT}/control`;

function stop(message: string, code = 1): never {
  console.error(message);
  process.exit(code);
}

/** Stops after a failure was injected: the stand-in AI service is the whole stack's, so it is left as it was. */
async function giveUp(message: string): Promise<never> {
  await control({ failRate: 0 }).catch(() => {});
  return stop(message);
}

const app = initializeApp({ projectId: FIREBASE_PROJECT, apiKey: "demo-key", authDomain: `${FIREBASE_PROJECT}.firebaseapp.com` });
const auth = getAuth(app);
connectAuthEmulator(auth, AUTH_HOST, { disableWarnings: true });
const db = getFirestore(app);
connectFirestoreEmulator(db, FIRESTORE.host, FIRESTORE.port);

const image = (() => {
  try {
    return readFileSync(values.image);
  } catch {
    return stop(`Cannot read ${values.image}`);
  }
})();
const { user } = await signInAnonymously(auth).catch(() => stop(`Could not sign in at ${AUTH_HOST}. Start the local stack first: npm start`));
console.log(`Signed in anonymously as ${user.uid}; listening to users/${user.uid}/events`);

// A failure, if asked for, injected into the stand-in AI service for every call until this demo ends.
const injected = values.unreadable ? { failRate: 1, rateOutcome: "corrupted" } : values.flaky ? { failRate: 1, rateOutcome: "unavailable" } : null;
function control(body: unknown) {
  return fetch(AI_CONTROL, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
}
if (injected) await control(injected).catch(() => stop(`The stand-in AI service does not answer at ${AI_CONTROL}. Is the local stack up (npm start)?`));

let submittedAt = 0;
const started = Date.now();
const clock = () => `+${((Date.now() - started) / 1000).toFixed(1).padStart(5)} s`;
let unlisten = () => {};
const arrived = new Promise<AssetProcessedEvent>((resolve) => {
  unlisten = onSnapshot(collection(db, "users", user.uid, "events"), (snap) => {
    for (const change of snap.docChanges()) if (change.type === "added") resolve(AssetProcessedEvent.parse(change.doc.data()));
  });
});

const form = new FormData();
form.append("image", new Blob([image]), basename(values.image));
form.append("category", values.category);
form.append("name", `Demo upload ${new Date().toLocaleTimeString()}`);
console.log(`${clock()}  uploading ${basename(values.image)} (${image.length} bytes) as a ${values.category}${injected ? `; the AI service will ${values.unreadable ? "find it unreadable" : "fail twice (503)"}` : ""}`);
submittedAt = Date.now();
const res = await fetch(`${functionUrl("api")}/assets/analyze-queue`, { method: "POST", headers: { authorization: `Bearer ${await user.getIdToken()}` }, body: form }).catch(() =>
  giveUp("Could not reach the API. Is the local stack up (npm start)?"),
);
const body: unknown = await res.json();
if (res.status !== 202) await giveUp(`The API answered ${res.status}: ${ApiErrorBody.safeParse(body).data?.error.message ?? JSON.stringify(body)}`);
const { assetId, jobId } = body as { assetId: string; jobId: string };
console.log(`${clock()}  202 in ${Date.now() - submittedAt} ms: asset ${assetId}, job ${jobId}`);

// The AI service's side, from the stand-in's call log: each call as it arrives (a flaky service recovers after two).
let watching = true;
const calls = (async () => {
  let seen = 0;
  for (let last = false; !last; ) {
    last = !watching; // one more look once the event is in
    const log = ((await (await fetch(`${AI_CONTROL}/log`)).json()) as Array<{ assetId: string; outcome: string }>).filter((c) => c.assetId === assetId);
    for (const call of log.slice(seen)) {
      seen++;
      const answer = call.outcome === "ok" ? "answers" : call.outcome === "unavailable" ? "answers 503: retried after a backoff" : call.outcome === "corrupted" ? "refuses the image (422): not retried" : call.outcome;
      console.log(`${clock()}  AI service call ${seen}: ${answer}`);
      if (values.flaky && seen === 2) await control({ failRate: 0 });
    }
    await new Promise((r) => setTimeout(r, 100));
  }
})().catch(() => console.log(`${clock()}  (the stand-in AI service stopped answering)`));

let lastStatus = "";
const unwatch = onSnapshot(doc(db, "users", user.uid, "assets", assetId), (snap) => {
  const asset = snap.data() as Asset | undefined;
  if (!asset || asset.status === lastStatus) return;
  lastStatus = asset.status;
  console.log(`${clock()}  asset is ${asset.status}`);
});

const timeout = setTimeout(() => void giveUp("No event within 2 minutes: is the local stack's scheduler running (npm start)?"), 120_000);
const event = await arrived;
clearTimeout(timeout);
console.log(`${clock()}  asset_processed arrived, ${Date.now() - submittedAt} ms after the upload:`);
if (event.status === "active") {
  const m = event.metadata!;
  console.log(`           ${m.brand} ${m.model}${m.year ? ` (${m.year})` : ""}, confidence ${m.confidence.overall}; labels ${m.labels.join(", ")}`);
} else {
  console.log(`           failed: ${event.error?.message} (${event.error?.code})`);
}
console.log(`\nAdmins see the run in the console (project assets: ${CONSOLE_URL}/?project=assets), run ${jobId}`);
watching = false;
await calls;
unwatch();
unlisten();
if (injected) await control({ failRate: 0 });
await terminate(db);
process.exit(event.status === "active" || injected ? 0 : 1);
