import { onRequest } from "firebase-functions/https";
import { REGION, transformJobTimeoutSeconds } from "../config.js";
import { checkJobTimeout } from "../core/deadlines.js";
import { taskEnqueuer } from "../lib/enqueue.js";
import { auth, db, functions } from "../lib/firebase.js";
import { serve } from "./layer/serve.js";
import { startTransformPipelineRoute } from "./startTransformPipelineRoute.js";

export const startTransformPipeline = onRequest(
  { region: REGION, cors: true, invoker: "public" },
  serve(
    [
      startTransformPipelineRoute({
        db,
        enqueue: taskEnqueuer(functions),
        timeoutSeconds: () => checkJobTimeout(transformJobTimeoutSeconds.value()),
      }),
    ],
    { verifyIdToken: async (token) => (await auth.verifyIdToken(token)).uid },
  ),
);
