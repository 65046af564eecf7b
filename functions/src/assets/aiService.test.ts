import { AssetMetadata } from "@clementine/shared";
import { startAiService, type AiService } from "@clementine/tools/aiService";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";

// The stand-in AI service keeps the contract the pipeline relies on, and fails as asked.
const JPEG = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(64, 3), Buffer.from([0xff, 0xd9])]);
const CUT = JPEG.subarray(0, 40);
let images: Server;
let imageBase: string;
let ai: AiService;

beforeAll(async () => {
  images = createServer((req, res) => {
    if (req.url === "/cut.jpg") return void res.writeHead(200).end(CUT);
    if (req.url === "/ok.jpg") return void res.writeHead(200).end(JPEG);
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => images.listen(0, "127.0.0.1", r));
  imageBase = `http://127.0.0.1:${(images.address() as AddressInfo).port}`;
  ai = await startAiService({ port: 0 });
});
afterAll(async () => {
  await ai.stop();
  await new Promise((r) => images.close(r));
});
beforeEach(() => ai.reset());

const analyze = (assetId: string, image = "ok.jpg") =>
  fetch(`${ai.url}/v1/analyze`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ imageUrl: `${imageBase}/${image}`, assetId, category: "watch", name: null }),
    signal: AbortSignal.timeout(5000),
  });

describe("stand-in AI service", () => {
  it("answers metadata that matches the contract, the same for the same image, and counts calls per asset", async () => {
    const first = AssetMetadata.parse(await (await analyze("a1")).json());
    const second = AssetMetadata.parse(await (await analyze("a1")).json());
    expect(second).toEqual(first);
    expect(first.category).toBe("watch");
    await analyze("a2");
    expect(ai.calls()).toEqual({ a1: 2, a2: 1 });
  });

  it("refuses an unreadable image or URL with a 422, and a malformed request with a 400", async () => {
    expect((await analyze("cut", "cut.jpg")).status).toBe(422);
    const missing = await analyze("gone", "gone.jpg");
    expect(missing.status).toBe(422);
    expect(await missing.json()).toMatchObject({ error: { code: "IMAGE_UNREACHABLE" } });
    const bad = await fetch(`${ai.url}/v1/analyze`, { method: "POST", body: JSON.stringify({ assetId: 1 }) });
    expect(bad.status).toBe(400);
  });

  it("plays a script of failures per asset, then behaves", async () => {
    ai.control({ script: { s1: ["unavailable", "corrupted", "reset"] } });
    expect((await analyze("s1")).status).toBe(503);
    expect((await analyze("s1")).status).toBe(422);
    await expect(analyze("s1")).rejects.toThrow();
    expect((await analyze("s1")).status).toBe(200);
    expect(ai.calls().s1).toBe(4);
  });

  it("answers slowly past a caller's timeout, fails a share of calls by rate, and refuses connections for a while", async () => {
    ai.control({ script: { slow: ["slow"] }, slowMs: 2000 });
    await expect(fetch(`${ai.url}/v1/analyze`, { method: "POST", body: JSON.stringify({ imageUrl: `${imageBase}/ok.jpg`, assetId: "slow", category: "coin", name: null }), signal: AbortSignal.timeout(300) })).rejects.toThrow();
    ai.control({ failRate: 1 });
    expect((await analyze("r1")).status).toBe(503);
    ai.control({ failRate: 0 });
    await ai.refuseFor(300);
    await expect(analyze("down")).rejects.toThrow();
    const deadline = Date.now() + 5000;
    let status = 0;
    while (status !== 200 && Date.now() < deadline) status = await analyze("down").then((r) => r.status, () => 0);
    expect(status).toBe(200);
  });

  it("holds answers while asked, lets them go one at a time in arrival order, and logs each call's span", async () => {
    ai.control({ hold: true });
    const first = analyze("h1");
    await until(() => ai.held() === 1);
    const second = analyze("h2");
    await until(() => ai.held() === 2);
    ai.release(1);
    expect((await first).status).toBe(200);
    expect(ai.held()).toBe(1);
    ai.control({ hold: false });
    expect((await second).status).toBe(200);
    const log = ai.log();
    expect(log.map((c) => c.assetId)).toEqual(["h1", "h2"]);
    expect(log[0]!.doneAt).toBeLessThanOrEqual(log[1]!.doneAt!);
  });
});

async function until(check: () => boolean) {
  const deadline = Date.now() + 5000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 10));
  }
}
