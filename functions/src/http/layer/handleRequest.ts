import { logger } from "firebase-functions";
import { describeError } from "../../core/jobErrors.js";
import { clip, describeIssues } from "./describeIssues.js";
import { errorReply, type HttpReply } from "./reply.js";
import { matchPath, splitPath, type Route } from "./route.js";

/** What the layer needs of a request; the Express adapter and in-process tests both build one. */
export interface HttpRequest {
  method: string;
  /** The path below the function's URL, still percent-encoded: "/", "/runs/abc". */
  path: string;
  header: (name: string) => string | undefined;
  /** What the runtime's body parser made of the body: an object for JSON, a Buffer for unknown types, a string for text. */
  body: unknown;
  /** Size of the raw body in bytes. */
  bodyBytes: number;
  /** The body's bytes as they arrived (the runtime keeps them); only routes with `rawBody` are given them. */
  rawBody?: Buffer;
  /** The query string's parameters, first value of each; absent means none. */
  query?: Record<string, string>;
}

export interface LayerDeps {
  /** Resolves to the caller's uid; rejects when the token does not verify. */
  verifyIdToken(token: string): Promise<string>;
}

/**
 * Every HTTPS endpoint's checks, in order, each with its fixed answer:
 * route (404), method (405), body size (413), content type (415), caller
 * (401), path parameters and body (400, naming the field). The route's
 * handler sees only what passed; anything it throws becomes a 500 INTERNAL
 * whose detail goes to the logs, never to the client.
 */
export async function handleRequest(routes: readonly Route[], request: HttpRequest, deps: LayerDeps): Promise<HttpReply> {
  const segments = decodeSegments(request.path);
  if (!segments) return errorReply("INVALID_REQUEST", "path: malformed percent-encoding");
  const matching = routes.flatMap((route) => {
    const params = matchPath(route, segments);
    return params ? [{ route, params }] : [];
  });
  if (matching.length === 0) return errorReply("NOT_FOUND");
  const match = matching.find(({ route }) => route.method === request.method);
  if (!match) {
    const allow = [...new Set(matching.map(({ route }) => route.method))].join(", ");
    return errorReply("METHOD_NOT_ALLOWED", undefined, { Allow: allow });
  }
  const { route } = match;
  const where = `${route.method} ${route.path}`;

  if (route.body || route.rawBody) {
    if (request.bodyBytes > route.maxBodyBytes) {
      return errorReply("PAYLOAD_TOO_LARGE", route.tooLargeMessage ?? `The request body must be at most ${route.maxBodyBytes} bytes.`);
    }
  }
  if (route.body) {
    if (!isJsonContentType(request.header("content-type"))) return errorReply("UNSUPPORTED_MEDIA_TYPE");
    if (!isPlainObject(request.body)) return errorReply("INVALID_REQUEST", "body: must be a JSON object");
  }

  let uid: string | null = null;
  if (route.access === "user") {
    const token = /^Bearer\s+(\S+)$/i.exec(request.header("authorization") ?? "")?.[1];
    if (!token) return errorReply("UNAUTHENTICATED");
    try {
      uid = await deps.verifyIdToken(token);
    } catch (error) {
      logger.info("http.unauthenticated", { route: where, reason: clip(describeError(error).split("\n")[0] ?? "", 200) });
      return errorReply("UNAUTHENTICATED");
    }
  }

  const params = route.params ? route.params.safeParse(match.params) : { success: true as const, data: {} };
  if (!params.success) return errorReply("INVALID_REQUEST", describeIssues(params.error, "path"));
  const query = route.query ? route.query.safeParse(request.query ?? {}) : { success: true as const, data: undefined };
  if (!query.success) return errorReply("INVALID_REQUEST", describeIssues(query.error, "query"));
  const body = route.body ? route.body.safeParse(request.body) : { success: true as const, data: undefined };
  if (!body.success) return errorReply("INVALID_REQUEST", describeIssues(body.error));

  try {
    const rawBody = route.rawBody ? (request.rawBody ?? Buffer.alloc(0)) : Buffer.alloc(0);
    return await route.handle({ params: params.data, query: query.data, body: body.data, uid, header: request.header, rawBody });
  } catch (error) {
    logger.error("http.internal", { route: where, uid, detail: describeError(error) });
    return errorReply("INTERNAL");
  }
}

function decodeSegments(path: string): string[] | null {
  try {
    return splitPath(path).map(decodeURIComponent);
  } catch {
    return null;
  }
}

/** `application/json`, optionally with `charset=utf-8` (the runtime refuses other charsets before we run). */
export function isJsonContentType(header: string | undefined): boolean {
  if (!header) return false;
  const [type, ...parameters] = header.split(";").map((part) => part.trim().toLowerCase());
  if (type !== "application/json") return false;
  return parameters.every((p) => !p.startsWith("charset=") || /^charset="?utf-8"?$/.test(p));
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
