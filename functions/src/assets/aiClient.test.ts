import { isRetryable } from "@clementine/pipeline";
import { startAiService, type AiService } from "@clementine/tools/aiService";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { AiServiceError, analyzeImage, ImageRejectedError } from "./aiClient.js";

// The pipeline's client of the AI service, against the stand-in: what is retried and what is not.
const JPEG = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(64, 5), Buffer.from([0xff, 0xd9])]);
let images: Server;
let imageUrl: string;
let ai: AiService;
let offContract: Server;
let offContractUrl: string;

const listen = async (server: Server) => {
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
};
beforeAll(async () => {
  images = createServer((_req, res) => void res.writeHead(200).end(JPEG));
  imageUrl = `${await listen(images)}/image.jpg`;
  offContract = createServer((_req, res) => void res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ brand: "X" })));
  offContractUrl = await listen(offContract);
  ai = await startAiService({ port: 0 });
});
afterAll(async () => {
  await ai.stop();
  await Promise.all([images, offContract].map((s) => new Promise((r) => s.close(r))));
});
beforeEach(() => ai.reset());

const call = (assetId: string, { url = ai.url, timeoutMs = 2000 } = {}) => analyzeImage(url, { imageUrl, assetId, category: "coin", name: "penny" }, { timeoutMs, runId: `run-${assetId}` });
const failure = (promise: Promise<unknown>) => promise.then(() => null, (e: unknown) => e as Error);

describe("analyzeImage", () => {
  it("returns the metadata of a reply that keeps the contract", async () => {
    const metadata = await call("ok");
    expect(metadata.category).toBe("coin");
    expect(metadata.confidence.overall).toBeGreaterThan(0);
  });

  it("fails a 422 for good, with a message meant for the owner and the service's reason as detail", async () => {
    ai.control({ script: { bad: ["corrupted"] } });
    const error = await failure(call("bad"));
    expect(error).toBeInstanceOf(ImageRejectedError);
    expect(isRetryable(error)).toBe(false);
    expect((error as ImageRejectedError).publicError).toEqual({ code: "IMAGE_UNREADABLE", message: expect.stringContaining("couldn't read this image") as string });
    expect(error!.message).toContain("422 IMAGE_UNREADABLE");
  });

  it("retries a 503, a dropped connection, a refused one, a reply past the timeout and a reply off the contract", async () => {
    ai.control({ script: { flaky: ["unavailable", "reset", "slow"] }, slowMs: 1500 });
    const errors = [await failure(call("flaky")), await failure(call("flaky")), await failure(call("flaky", { timeoutMs: 300 }))];
    expect(errors.map((e) => e?.message)).toEqual([expect.stringContaining("answered 503"), expect.stringContaining("could not be reached"), "the AI service did not answer within 300 ms"]);
    const offline = createServer();
    const offlineUrl = await listen(offline);
    await new Promise((r) => offline.close(r));
    errors.push(await failure(call("refused", { url: offlineUrl })), await failure(call("off", { url: offContractUrl })));
    expect(errors[4]!.message).toContain("off its contract");
    for (const error of errors) {
      expect(error).toBeInstanceOf(AiServiceError);
      expect(isRetryable(error)).toBe(true);
    }
  });
});
