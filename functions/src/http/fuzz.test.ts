import { API_ERROR_STATUS, ApiErrorBody, Job, RunRecord } from "@clementine/shared";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { runsCollection } from "../engine/refs.js";
import { db } from "../lib/firebase.js";
import { jobsCollection, sessionRef } from "../lib/refs.js";
import { INTERNALS, functionUrl, nodes, seedSession, sendRaw, signUpAnonymously, uniqueId, type Guest, type RawReply } from "../test/emulators.js";

// Property-based fuzzing of every HTTPS endpoint, through real HTTP against
// the emulators: generated methods, paths, content types, encodings,
// headers, tokens, ids and bodies, mixed with valid requests. Replay a
// failure with the seed in the test's name: FUZZ_SEED=<seed> npm test -- src/http/fuzz
const seed = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
const RUNS = 60; // batches of up to 8 concurrent requests each: about 270 requests
const ANSWER_WITHIN_MS = 10_000;
const MAX_ERROR_BYTES = 1024;
const MAX_RUNTIME_PAGE_BYTES = 400;

interface World {
  guest: Guest;
  other: Guest;
  /** Sessions the guest owns, on an experience with a quick two-node transform. */
  sessions: Array<{ projectId: string; sessionId: string }>;
  /** A project the guest administers, and a run in it. */
  apiProject: string;
  apiRunId: string;
}

// ---- what a request is made of -------------------------------------------------

const surrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((code) => String.fromCharCode(code));
/** Strings that mix any code point with lone surrogates, slashes and dots. */
const nastyString = fc.string({ unit: fc.oneof(fc.string({ unit: "binary", minLength: 1, maxLength: 1 }), surrogate, fc.constantFrom("/", ".", "_", "%")), maxLength: 40 });
const nastyId = fc.oneof(
  nastyString,
  fc.constantFrom("", ".", "..", "__x__", "__", "a/b", "\ud800", "\udc00\ud800", "a\udc00b", "x".repeat(1501), "é".repeat(751), "ok-id"),
);

const jsonValue = fc.jsonValue({ maxDepth: 3 });

function startBody(world: World) {
  const real = fc.constantFrom(...world.sessions);
  return fc.oneof(
    // Valid starts, so racing and repeated starts on the same sessions are exercised too.
    { weight: 3, arbitrary: real.map(({ projectId, sessionId }) => ({ projectId, sessionId, stepId: "step-1" })) },
    { weight: 2, arbitrary: fc.record({ projectId: nastyId, sessionId: nastyId, stepId: nastyId }, { requiredKeys: [] }) },
    { weight: 1, arbitrary: fc.tuple(real, fc.dictionary(nastyString, jsonValue, { maxKeys: 4 })).map(([s, extra]) => ({ ...extra, ...s, stepId: "s" })) },
    { weight: 1, arbitrary: jsonValue },
  );
}

const contentType = fc.oneof(
  { weight: 6, arbitrary: fc.constant("application/json") },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      "application/json; charset=utf-8",
      "application/json; charset=latin1",
      "application/json; charset=utf-16",
      "application/vnd.api+json",
      "text/plain",
      "text/html",
      "application/octet-stream",
      "multipart/form-data; boundary=xyz",
      "application/x-www-form-urlencoded",
    ),
  },
  { weight: 1, arbitrary: fc.option(fc.string({ unit: "binary-ascii", maxLength: 30 }).filter((s) => /^[\x20-\x7e]*$/.test(s)), { nil: undefined }) },
);

function authorization(world: World) {
  return fc.oneof(
    { weight: 5, arbitrary: fc.constant(`Bearer ${world.guest.idToken}`) },
    { weight: 1, arbitrary: fc.constant(`Bearer ${world.other.idToken}`) },
    { weight: 1, arbitrary: fc.constantFrom(undefined, "Bearer", "Bearer not-a-jwt", "Basic Zm9vOmJhcg==", `bearer ${world.guest.idToken}x`) },
  );
}

/** A request to an endpoint: its paths and bodies are the endpoint's, everything else is shared. */
function requestWith(world: World, paths: fc.Arbitrary<string>, body: fc.Arbitrary<string>, mostly: "POST" | "GET" = "POST") {
  return fc.record({
    method: fc.oneof({ weight: 8, arbitrary: fc.constant(mostly) }, { weight: 2, arbitrary: fc.constantFrom("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS") }),
    path: fc.oneof({ weight: 8, arbitrary: paths }, { weight: 2, arbitrary: fc.constantFrom("/", "/x", "/%", "/%E0%A4%A", "/%2F", "/a/b/c") }),
    authorization: authorization(world),
    contentType,
    contentEncoding: fc.oneof({ weight: 9, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.constantFrom("gzip", "br2", "identity", "deflate") }),
    origin: fc.option(fc.constantFrom("https://example.test", "null"), { nil: undefined }),
    body: fc.oneof(
      { weight: 8, arbitrary: body },
      { weight: 1, arbitrary: fc.constantFrom('{"projectId":', "", "not json", "[]", '"p"', "null", Array.from({ length: 1100 }, (_, i) => `f${i}=1`).join("&")) },
      { weight: 1, arbitrary: fc.constantFrom(70_000, 200_000).map((size) => `{"pad":"${"x".repeat(size)}"}`) },
    ),
  });
}

/** A path segment as a client would send it: percent-encoded, a lone surrogate as its (invalid) UTF-8 bytes. */
const segment = (id: string) => encodeURIComponent(id.replace(/[\uD800-\uDFFF]/gu, "\0")).replaceAll("%00", "%ED%A0%80");

const startTransform = (world: World) => requestWith(world, fc.constant(""), startBody(world).map((value) => JSON.stringify(value) ?? "null"));

function adminApi(world: World) {
  const project = fc.oneof({ weight: 4, arbitrary: fc.constant(world.apiProject) }, { weight: 1, arbitrary: nastyId.map(segment) });
  const pipelineName = fc.oneof({ weight: 4, arbitrary: fc.constant("demo-task") }, { weight: 1, arbitrary: nastyId.map(segment) });
  const runId = fc.oneof({ weight: 2, arbitrary: fc.constant(world.apiRunId) }, { weight: 1, arbitrary: nastyId.map(segment) });
  const paths = fc.oneof(
    { weight: 4, arbitrary: fc.tuple(project, pipelineName).map(([p, n]) => `/projects/${p}/pipelines/${n}/runs`) },
    { weight: 3, arbitrary: fc.tuple(runId, fc.constantFrom("/runs", "/pipeline"), fc.constantFrom("", "/retry", "/cancel", "/events")).map(([id, prefix, action]) => `${prefix}/${id}${action}`) },
    { weight: 1, arbitrary: project.map((p) => `/projects/${p}/detector-events`) },
    { weight: 1, arbitrary: fc.tuple(project, nastyId.map(segment)).map(([p, m]) => `/projects/${p}/pipeline/by-message/${m}`) },
  );
  const payload = fc.oneof(
    { weight: 3, arbitrary: fc.record({ delayMs: fc.constant(0), taskId: fc.option(nastyString, { nil: undefined }) }, { requiredKeys: ["delayMs"] }) },
    { weight: 2, arbitrary: fc.dictionary(nastyString, jsonValue, { maxKeys: 4 }) },
    { weight: 1, arbitrary: jsonValue },
  );
  const body = fc.oneof(
    { weight: 4, arbitrary: fc.record({ payload, correlationId: fc.option(nastyString, { nil: undefined }) }, { requiredKeys: ["payload"] }) },
    { weight: 1, arbitrary: jsonValue },
  );
  return requestWith(world, paths, body.map((value) => JSON.stringify(value) ?? "null"));
}

type FuzzRequest = ReturnType<typeof requestWith> extends fc.Arbitrary<infer R> ? R : never;

// ---- what every answer must be -----------------------------------------------------

/** Checks one answer; returns the id a 202 announced. */
function checkAnswer(req: FuzzRequest, reply: RawReply, announces: string): string | null {
  const context = `${req.method} ${req.path || "/"} → ${reply.status} ${reply.text.slice(0, 200)}`;
  expect(reply.status, context).toBeLessThan(500);
  expect(reply.ms, context).toBeLessThan(ANSWER_WITHIN_MS);
  expect(reply.text, context).not.toMatch(INTERNALS);
  if (req.method === "HEAD" || (req.method === "OPTIONS" && reply.status === 204)) return null;

  if (!reply.contentType.startsWith("application/json")) {
    // Only the runtime's body parser answers without JSON (see README, API): a short page.
    expect([400, 413, 415], context).toContain(reply.status);
    expect(reply.bytes, context).toBeLessThanOrEqual(MAX_RUNTIME_PAGE_BYTES);
    return null;
  }
  const body: unknown = JSON.parse(reply.text);
  if (reply.status === 202) {
    expect(body, context).toMatchObject({ [announces]: expect.any(String) });
    return (body as Record<string, string>)[announces]!;
  }
  if (reply.status === 200) {
    expect(body, context).toMatchObject({ runId: expect.any(String), status: expect.any(String) });
    return null;
  }
  const error = ApiErrorBody.safeParse(body);
  expect(error.success, context).toBe(true);
  expect(API_ERROR_STATUS[error.data!.error.code], context).toBe(reply.status);
  expect(reply.bytes, context).toBeLessThanOrEqual(MAX_ERROR_BYTES);
  return null;
}

function send(url: string, req: FuzzRequest) {
  const headers: Record<string, string> = {};
  if (req.authorization) headers.authorization = req.authorization;
  if (req.contentType) headers["content-type"] = req.contentType;
  if (req.contentEncoding) headers["content-encoding"] = req.contentEncoding;
  if (req.origin) headers.origin = req.origin;
  if (req.method === "OPTIONS") headers["access-control-request-method"] = "POST";
  const hasBody = !["GET", "HEAD"].includes(req.method);
  return sendRaw(url + req.path, { method: req.method, headers, ...(hasBody ? { body: req.body } : {}) }, ANSWER_WITHIN_MS + 5_000);
}

// ---- the suite ---------------------------------------------------------------------

const world = {} as World;
beforeAll(async () => {
  const [guest, other] = await Promise.all([signUpAnonymously(), signUpAnonymously()]);
  Object.assign(world, { guest, other, sessions: [] });
  for (let i = 0; i < 4; i++) {
    const { projectId, sessionId } = await seedSession({ guestUid: guest.uid, nodes: nodes(2) });
    world.sessions.push({ projectId, sessionId });
  }
  world.apiProject = uniqueId("fuzz");
  await db.doc(`projects/${world.apiProject}/members/${guest.uid}`).set({ role: "admin" });
  const started = await sendRaw(`${functionUrl("api")}/projects/${world.apiProject}/pipelines/demo-task/runs`, {
    headers: { authorization: `Bearer ${guest.idToken}`, "content-type": "application/json" },
    body: JSON.stringify({ payload: { delayMs: 0 } }),
  }, 60_000);
  world.apiRunId = (JSON.parse(started.text) as { runId: string }).runId;
  // Warm the emulator's workers so the first batch does not race their start-up.
  await Promise.all(["startTransformPipeline", "api"].flatMap((fn) => Array.from({ length: 4 }, () => sendRaw(functionUrl(fn), { method: "GET" }, 60_000))));
}, 120_000);

const endpoints = [
  {
    name: "startTransformPipeline",
    requests: startTransform,
    valid: (i: number) => validRequest("", { ...world.sessions[i % world.sessions.length]!, stepId: "step-1" }),
    announces: "jobId",
    /** Every job was announced; every session points at its latest job; one active job per session at a time. */
    consistent: async (announced: Set<string>) => {
      for (const { projectId, sessionId } of world.sessions) {
        const jobs = (await jobsCollection(db, projectId).get()).docs.map((doc) => ({ id: doc.id, job: Job.parse(doc.data()) }));
        for (const { id } of jobs) expect(announced, `job ${id} was never announced with a 202`).toContain(id);
        const session = (await sessionRef(db, projectId, sessionId).get()).data()!;
        if (jobs.length === 0) {
          expect(session.jobId).toBeNull();
          continue;
        }
        const latest = jobs.reduce((a, b) => (b.job.createdAt.toMillis() > a.job.createdAt.toMillis() ? b : a));
        expect(session.jobId).toBe(latest.id);
        for (const { id, job } of jobs) if (id !== latest.id) expect(["completed", "failed"]).toContain(job.status);
      }
    },
  },
  {
    name: "api",
    requests: adminApi,
    valid: () => validRequest(`/projects/${world.apiProject}/pipelines/demo-task/runs`, { payload: { delayMs: 0 } }),
    announces: "runId",
    /** Every run in the project was announced with a 202, and each is a well-formed run. */
    consistent: async (announced: Set<string>) => {
      const runs = await runsCollection(db).where("projectId", "==", world.apiProject).get();
      for (const doc of runs.docs) {
        RunRecord.parse(doc.data());
        if (doc.id !== world.apiRunId) expect(announced, `run ${doc.id} was never announced with a 202`).toContain(doc.id);
      }
    },
  },
];

/** A well-formed request: one goes into every third batch, so accepted requests always race hostile ones. */
function validRequest(path: string, body: unknown): FuzzRequest {
  return { method: "POST", path, authorization: `Bearer ${world.guest.idToken}`, contentType: "application/json", contentEncoding: undefined, origin: undefined, body: JSON.stringify(body) };
}

describe.each(endpoints)("$name under hostile input", ({ name, requests, valid, announces, consistent }) => {
  const announced = new Set<string>();
  let batches = 0;

  it(`answers every request safely and in time (fast-check seed ${seed})`, async () => {
    const url = functionUrl(name);
    await fc.assert(
      fc.asyncProperty(fc.array(requests(world), { minLength: 1, maxLength: 7 }), async (generated) => {
        // Every third batch (the first included) carries a well-formed request too.
        const batch = batches++ % 3 === 0 ? [...generated, valid(batches)] : generated;
        const replies = await Promise.all(batch.map((req) => send(url, req)));
        replies.forEach((reply, i) => {
          const id = checkAnswer(batch[i]!, reply, announces);
          if (id) announced.add(id);
        });
      }),
      { seed, numRuns: RUNS, interruptAfterTimeLimit: 150_000, markInterruptAsFailure: true },
    );
  }, 180_000);

  it("leaves nothing half-written", async () => {
    expect(announced.size, "the generated mix included accepted requests").toBeGreaterThan(0);
    await consistent(announced);
  });
});
