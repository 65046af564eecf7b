import { onRequest } from "firebase-functions/https";
import { REGION } from "../config.js";
import { getEngine } from "../lib/engine.js";
import { auth } from "../lib/firebase.js";
import { getImageStore, getLocalImageStore } from "../lib/imageStore.js";
import { assetRoutes } from "./assetRoutes.js";
import { serve } from "./layer/serve.js";
import { runRoutes } from "./runRoutes.js";

const routes = [...runRoutes(getEngine), ...assetRoutes({ getEngine, store: getImageStore, localStore: getLocalImageStore })];

/** The admin API over every pipeline's runs and the AI asset queue's endpoints, also served by Hosting under /api (the console's origin). */
export const api = onRequest({ region: REGION, cors: true, invoker: "public" }, serve(routes, { verifyIdToken: async (token) => (await auth.verifyIdToken(token)).uid }, { mount: "/api" }));
