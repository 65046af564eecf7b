// Runs inside `firebase emulators:exec` for `npm start`: seeds the demo data,
// starts the stand-in AI service, fires scheduled functions on their
// schedules (the emulator never does), and keeps the emulators up until Ctrl+C.
import { CONSOLE_URL, FIREBASE_PROJECT, FUNCTIONS_HOST, functionUrl } from "./emulatorConfig.js";
import { startAiService } from "./aiService.js";
import { fireScheduledFunction, listScheduledFunctions } from "./scheduledFunctions.js";
import { releaseDeadLeases } from "./releaseDeadLeases.js";
import { DEMO, seed } from "./seed.js";

await seed();
// The AI asset queue's external service, stood in for: functions/.env.demo-clementine points AI_SERVICE_URL here.
const ai = await startAiService();
const resumed = await releaseDeadLeases();
/**
 * Cloud Scheduler fires the sweeper every minute in production, where a
 * delayed task arrives on time by itself. The Tasks emulator delivers delayed
 * tasks at once (the early delivery is a no-op), so here the sweeper is what
 * wakes a run whose retry or sleep is due: often, for second-scale schedules.
 */
const LOCAL_EVERY_MS: Record<string, number> = { sweepRuns: 2000, cleanupRuns: 60_000 };
const scheduled = (await listScheduledFunctions(FUNCTIONS_HOST)).map((fn) => ({ ...fn, everyMs: LOCAL_EVERY_MS[fn.name] ?? fn.everyMs }));

const bold = (s: string) => `\x1b[1m${s}\x1b[0m`;
console.log(`
${bold("Clementine local stack is up")} (project ${FIREBASE_PROJECT}, emulators only, nothing leaves this machine)

  Seeded: project ${DEMO.projectId}, experiences ${DEMO.experienceId} and ${DEMO.failingExperienceId},
          session ${DEMO.sessionId} (guest ${DEMO.guestUid}), admin ${DEMO.admin.email} / ${DEMO.admin.password}
  Console: ${CONSOLE_URL}  (sign in as ${DEMO.admin.email} / ${DEMO.admin.password})
  Endpoint: POST ${functionUrl("startTransformPipeline")}
  Admin API: ${functionUrl("api")} (runs of every pipeline; see README)
  AI queue: POST ${functionUrl("api")}/assets/analyze-queue, stand-in AI service at ${ai.url}
  Data: kept across restarts (npm start -- --fresh starts empty)${resumed ? `; ${resumed} run(s) left in flight by the last stop resume now` : ""}
  Scheduler: ${scheduled.map((f) => `${f.name} (every ${f.everyMs / 1000} s)`).join(", ") || "no scheduled functions"}

  Next, in another terminal:
    npm run demo                                   a guest starts a transform and watches it live
    npm run demo -- --experience ${DEMO.failingExperienceId}   ...and one that fails
    npm run demo -- --session ${DEMO.sessionId}         ...on the seeded session, as its guest
    npm run demo:task                              an admin starts a durable demo task and watches its retries
    npm run demo:video                             a detector's SD card event: parallel steps, live
    npm run demo:asset                             a user uploads a photo and gets its asset_processed event

  Ctrl+C stops everything.
`);

// Stay alive until the emulators (our parent) stop us, or are gone: a stop that did not reach us (a signal to firebase alone) must not leave the AI service behind.
let stopped: () => void = () => {};
const stopping = new Promise<void>((resolve) => {
  stopped = resolve;
  for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => resolve());
});

let unreachable = 0;
for (const fn of scheduled) {
  setInterval(() => {
    fireScheduledFunction(FUNCTIONS_HOST, FIREBASE_PROJECT, fn).then(
      (status) => {
        unreachable = 0;
        if (status !== 200 || fn.everyMs >= 60_000) console.log(`scheduler: fired ${fn.name} → ${status}`);
      },
      (error: unknown) => {
        console.error(`scheduler: ${fn.name} failed: ${String(error)}`);
        if (++unreachable >= 5) {
          console.error("scheduler: the functions emulator is gone; stopping");
          stopped();
        }
      },
    );
  }, fn.everyMs);
}

await stopping;
await ai.stop();
process.exit(0);
