import type { z } from "zod";
import type { HttpReply } from "./reply.js";

export type Method = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

/** "user": any signed-in Firebase user, by ID token; "public": anyone. */
export type Access = "user" | "public";

export interface RouteInput<Params, Body, A extends Access, Query = unknown> {
  params: Params;
  body: Body;
  /** The query string's parameters as the route's `query` schema parsed them. */
  query: Query;
  /** The caller's uid, from a verified Firebase ID token. */
  uid: A extends "user" ? string : null;
  header: (name: string) => string | undefined;
  /** The body's bytes, for a route that reads them itself (`rawBody`); empty otherwise. */
  rawBody: Buffer;
}

export interface RouteSpec<Params, Body, A extends Access, Query> {
  method: Method;
  /** "/" or "/runs/:runId"; each `:name` segment is a path parameter, checked by `params`. */
  path: string;
  access: A;
  /** Schema of the path parameters, e.g. `z.object({ runId: DocumentId })`. */
  params?: z.ZodType<Params>;
  /** Schema of the query string's parameters (each a string; a repeated one keeps its first value). A route without one ignores them. */
  query?: z.ZodType<Query>;
  /** Schema of a JSON object body. A route without one reads no body. */
  body?: z.ZodType<Body>;
  /** A route that parses its own body (a multipart upload): it gets the bytes in `rawBody`, after the size check. */
  rawBody?: boolean;
  /** Bodies larger than this are refused with 413. */
  maxBodyBytes?: number;
  /** What the 413 says, when the route can say it better than the byte count (which field, which limit). */
  tooLargeMessage?: string;
  handle: (input: RouteInput<Params, Body, A, Query>) => Promise<HttpReply>;
}

/** A route with its types erased, so routes of different shapes share one table. */
export interface Route {
  method: Method;
  path: string;
  segments: string[];
  access: Access;
  params: z.ZodType | undefined;
  query: z.ZodType | undefined;
  body: z.ZodType | undefined;
  rawBody: boolean;
  maxBodyBytes: number;
  tooLargeMessage: string | undefined;
  handle: (input: RouteInput<unknown, unknown, Access>) => Promise<HttpReply>;
}

/** JSON bodies are small here: ids and options, never content. */
export const DEFAULT_MAX_BODY_BYTES = 64 * 1024;

export function defineRoute<Params = Record<string, never>, Body = undefined, A extends Access = Access, Query = undefined>(
  spec: RouteSpec<Params, Body, A, Query>,
): Route {
  return {
    method: spec.method,
    path: spec.path,
    segments: splitPath(spec.path),
    access: spec.access,
    params: spec.params,
    query: spec.query,
    body: spec.body,
    rawBody: spec.rawBody ?? false,
    maxBodyBytes: spec.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
    tooLargeMessage: spec.tooLargeMessage,
    // The layer hands over only what the schemas accepted.
    handle: spec.handle as Route["handle"],
  };
}

export function splitPath(path: string): string[] {
  return path.split("/").filter(Boolean);
}

/** The path parameters if `segments` matches the route's pattern, else null. */
export function matchPath(route: Route, segments: string[]): Record<string, string> | null {
  if (segments.length !== route.segments.length) return null;
  const params: Record<string, string> = {};
  for (const [i, pattern] of route.segments.entries()) {
    const segment = segments[i]!;
    if (pattern.startsWith(":")) params[pattern.slice(1)] = segment;
    else if (pattern !== segment) return null;
  }
  return params;
}
