import { onRequest } from "firebase-functions/https";
import { REGION } from "../config.js";
import { getEngine } from "../lib/engine.js";
import { auth, db } from "../lib/firebase.js";
import { serve } from "./layer/serve.js";
import { startTransformPipelineRoute } from "./startTransformPipelineRoute.js";

export const startTransformPipeline = onRequest(
  { region: REGION, cors: true, invoker: "public" },
  serve([startTransformPipelineRoute({ db, engine: getEngine })], { verifyIdToken: async (token) => (await auth.verifyIdToken(token)).uid }),
);
