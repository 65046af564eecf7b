import { ApiErrorBody } from "@clementine/shared";
import { beforeAll, describe, expect, it } from "vitest";
import { db } from "../lib/firebase.js";
import { jobsCollection, sessionRef } from "../lib/refs.js";
import { INTERNALS, functionUrl, seedSession, sendRaw, signUpAnonymously, type Guest, type RawReply } from "../test/emulators.js";

// The three findings of the hostile-input review, each pinned through real
// HTTP against the functions emulator.
const url = () => functionUrl("startTransformPipeline");
let guest: Guest;
beforeAll(async () => {
  guest = await signUpAnonymously();
});

const json = (body: string, headers: Record<string, string> = {}) =>
  sendRaw(url(), { headers: { authorization: `Bearer ${guest.idToken}`, "content-type": "application/json", ...headers }, body });

function expectError(reply: RawReply, status: number, code: string) {
  expect(reply.status).toBe(status);
  const body = ApiErrorBody.parse(JSON.parse(reply.text));
  expect(body.error.code).toBe(code);
  expect(reply.text).not.toMatch(INTERNALS);
  return body.error.message;
}

describe("ids with a lone UTF-16 surrogate", () => {
  // Written as JSON escapes: valid JSON whose strings are not valid Unicode.
  it.each([
    ["projectId", String.raw`{"projectId":"\ud800","sessionId":"s","stepId":"t"}`],
    ["sessionId", String.raw`{"projectId":"p","sessionId":"\udc00\ud800","stepId":"t"}`],
    ["stepId", String.raw`{"projectId":"p","sessionId":"s","stepId":"a\udc00b"}`],
  ])("answer 400 naming %s, at once", async (field, body) => {
    const reply = await json(body);
    const message = expectError(reply, 400, "INVALID_REQUEST");
    expect(message).toMatch(new RegExp(`^${field}: .*surrogate`));
    expect(reply.ms).toBeLessThan(3000);
  });

  it("leave the session untouched and create no job", async () => {
    const { projectId, sessionId } = await seedSession({ guestUid: guest.uid });
    await json(JSON.stringify({ projectId, sessionId, stepId: "x" }).replace('"x"', String.raw`"x\ud800"`));
    expect((await jobsCollection(db, projectId).get()).size).toBe(0);
    expect((await sessionRef(db, projectId, sessionId).get()).get("jobId")).toBeNull();
  });
});

describe("error answers do not grow with the request", () => {
  it.each([
    ["application/octet-stream"],
    ["multipart/form-data; boundary=x"],
    ["text/html"],
    ["application/vnd.api+json"],
  ])("a %s body gets a fixed 415", async (contentType) => {
    const reply = await json(`{"projectId":"p",${'"x":1,'.repeat(80)}"y":2}`, { "content-type": contentType });
    expectError(reply, 415, "UNSUPPORTED_MEDIA_TYPE");
    expect(reply.bytes).toBeLessThan(200);
  });

  it("a 1.2 MB body gets a fixed 413 that says the limit", async () => {
    const reply = await sendRaw(url(), { headers: { authorization: `Bearer ${guest.idToken}`, "content-type": "application/octet-stream" }, body: new Uint8Array(1_200_000) });
    expect(expectError(reply, 413, "PAYLOAD_TOO_LARGE")).toMatch(/65536 bytes/);
    expect(reply.bytes).toBeLessThan(200);
  });

  it("an unknown key of 50 KB is not echoed whole", async () => {
    const key = "k".repeat(50_000);
    const reply = await json(JSON.stringify({ projectId: "p", sessionId: "s", stepId: "t", [key]: 1 }));
    expect(expectError(reply, 400, "INVALID_REQUEST")).toMatch(/^body: unknown field 'k{39}…'$/);
    expect(reply.bytes).toBeLessThan(200);
  });

  it("thousands of unknown keys are counted, not listed", async () => {
    const body = Object.fromEntries(Array.from({ length: 3000 }, (_, i) => [`key${i}`, i]));
    const reply = await json(JSON.stringify(body));
    expect(expectError(reply, 400, "INVALID_REQUEST")).toMatch(/and \d+ more/);
    expect(reply.bytes).toBeLessThan(600);
  });
});

describe("what the runtime's body parser refuses shows no internals", () => {
  // These never reach our handler: the answer is the runtime's, a short page.
  it.each([
    ["malformed JSON", { "content-type": "application/json" }, '{"projectId": "p",', 400],
    ["a top-level JSON scalar", { "content-type": "application/json" }, '"p"', 400],
    ["a latin1 charset", { "content-type": "application/json; charset=latin1" }, "{}", 415],
    ["a utf-16 charset", { "content-type": "application/json; charset=utf-16" }, "{}", 400],
    ["an unknown content-encoding", { "content-type": "application/json", "content-encoding": "br2" }, "{}", 415],
    ["more than 1,000 form fields", { "content-type": "application/x-www-form-urlencoded" }, Array.from({ length: 1001 }, (_, i) => `f${i}=1`).join("&"), 413],
  ])("%s: a 4xx with no stack, path or exception text", async (_, headers, body, status) => {
    const reply = await sendRaw(url(), { headers: { authorization: `Bearer ${guest.idToken}`, ...headers }, body });
    expect(reply.status).toBe(status);
    expect(reply.text).not.toMatch(INTERNALS);
    expect(reply.bytes).toBeLessThan(400);
  });

  it("a malformed %-escape in the path: a 400 with no stack, path or exception text", async () => {
    const reply = await sendRaw(`${url()}/%E0%A4%A`, { headers: { "content-type": "application/json" }, body: "{}" });
    expect(reply.status).toBe(400);
    expect(reply.text).not.toMatch(INTERNALS);
  });
});
