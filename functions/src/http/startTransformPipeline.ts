import { logger } from "firebase-functions";
import { onRequest } from "firebase-functions/https";
import { REGION, transformJobTimeoutSeconds } from "../config.js";
import { checkJobTimeout } from "../core/deadlines.js";
import { describeError } from "../core/jobErrors.js";
import { taskEnqueuer } from "../lib/enqueue.js";
import { auth, db, functions } from "../lib/firebase.js";
import { errorReply } from "./apiError.js";
import { startTransformPipelineCore } from "./startTransformPipelineCore.js";

const enqueue = taskEnqueuer(functions);

export const startTransformPipeline = onRequest(
  { region: REGION, cors: true, invoker: "public" },
  async (req, res) => {
    let reply;
    try {
      reply = await startTransformPipelineCore(
        { method: req.method, authorization: req.get("authorization"), body: req.body },
        {
          db,
          verifyIdToken: async (token) => (await auth.verifyIdToken(token)).uid,
          enqueue,
          timeoutSeconds: checkJobTimeout(transformJobTimeoutSeconds.value()),
        },
      );
    } catch (error) {
      logger.error("start.internal", { detail: describeError(error) });
      reply = errorReply("INTERNAL");
    }
    res.status(reply.status).set(reply.headers ?? {}).json(reply.body);
  },
);
