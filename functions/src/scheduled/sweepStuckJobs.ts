import { onSchedule } from "firebase-functions/scheduler";
import { REGION } from "../config.js";
import { db } from "../lib/firebase.js";
import { sweepStuckJobsCore } from "./sweepStuckJobsCore.js";

/** The backstop for jobs whose worker died: the local stack fires it on the same schedule. */
export const sweepStuckJobs = onSchedule({ region: REGION, schedule: "every 1 minutes", timeoutSeconds: 300 }, async () => {
  await sweepStuckJobsCore(db);
});
