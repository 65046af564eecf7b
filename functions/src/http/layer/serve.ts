import { logger } from "firebase-functions";
import type { Request, Response } from "firebase-functions/https";
import { describeError } from "../../core/jobErrors.js";
import { handleRequest, type LayerDeps } from "./handleRequest.js";
import { errorReply, type HttpReply } from "./reply.js";
import type { Route } from "./route.js";

/**
 * The `onRequest` handler for a table of routes. Whatever happens, the client
 * gets one JSON answer in the shape `{ error: { code, message } }` or the
 * route's own body (JSON, or bytes it sends as they are), and never an
 * exception's text.
 */
export function serve(routes: readonly Route[], deps: LayerDeps, { mount }: { mount?: string } = {}) {
  return async (req: Request, res: Response): Promise<void> => {
    let reply: HttpReply;
    try {
      reply = await handleRequest(
        routes,
        {
          method: req.method,
          // Under a Hosting rewrite (`/api/**`) the function sees the whole path.
          path: mount && (req.path === mount || req.path.startsWith(`${mount}/`)) ? req.path.slice(mount.length) || "/" : req.path,
          header: (name) => req.get(name),
          body: req.body as unknown,
          bodyBytes: bodyBytes(req),
          rawBody: req.rawBody,
          query: firstValues(req.query),
        },
        deps,
      );
    } catch (error) {
      logger.error("http.internal", { path: req.path, method: req.method, detail: describeError(error) });
      reply = errorReply("INTERNAL");
    }
    res.status(reply.status).set(reply.headers ?? {});
    // Bytes go as they are (an image, with its content type among the headers); anything else as JSON.
    if (Buffer.isBuffer(reply.body)) res.send(reply.body);
    else res.json(reply.body);
  };
}

function bodyBytes(req: Request): number {
  // Set by the runtime's body parsers; absent when none of them read the body.
  const raw = req.rawBody as Buffer | undefined;
  if (raw) return raw.length;
  const declared = Number(req.get("content-length"));
  return Number.isFinite(declared) && declared > 0 ? declared : 0;
}

/** Express's parsed query, one string per name: a repeated name keeps its first value, nested forms are dropped. */
function firstValues(query: Request["query"]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(query ?? {})) {
    const first = Array.isArray(value) ? value[0] : value;
    if (typeof first === "string") out[name] = first;
  }
  return out;
}
