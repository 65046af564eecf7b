import { onRequest } from "firebase-functions/https";
import { REGION } from "../config.js";
import { getEngine } from "../lib/engine.js";
import { auth } from "../lib/firebase.js";
import { serve } from "./layer/serve.js";
import { runRoutes } from "./runRoutes.js";

/** The admin API over every pipeline's runs, also served by Hosting under /api (the console's origin). */
export const api = onRequest({ region: REGION, cors: true, invoker: "public" }, serve(runRoutes(getEngine), { verifyIdToken: async (token) => (await auth.verifyIdToken(token)).uid }, { mount: "/api" }));
