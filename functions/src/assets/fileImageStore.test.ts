import { mkdtemp, readdir, rm } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { imageStoreContract } from "./imageStore.contract.js";
import { FileImageStore } from "./imageStore.js";

let root: string;
let server: Server;
let store: FileImageStore;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "images-"));
  // Stands in for the api function's image route: the token names the file.
  server = createServer((req, res) => {
    const path = store.pathOf(decodeURIComponent((req.url ?? "").split("/").pop() ?? ""));
    if (!path) return void res.writeHead(403).end();
    void store.get(path).then((got) => {
      if (!got) return void res.writeHead(404).end();
      res.writeHead(200, { "content-type": got.contentType });
      got.body.pipe(res);
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  store = new FileImageStore(root, `http://127.0.0.1:${(server.address() as AddressInfo).port}/images`, "test-secret");
});

afterAll(async () => {
  await new Promise((r) => server.close(r));
  await rm(root, { recursive: true, force: true });
});

imageStoreContract("filesystem", () => store);

describe("FileImageStore read URLs", () => {
  it("grant their path until they expire, and a forged or altered token grants nothing", async () => {
    const url = await store.readUrl("users/u/assets/a/original.png", 1000);
    const token = url.split("/").pop()!;
    expect(store.pathOf(token)).toBe("users/u/assets/a/original.png");
    expect(store.pathOf(token, Date.now() + 2000)).toBeNull();
    const [claim] = token.split(".");
    const other = Buffer.from(JSON.stringify({ p: "users/v/assets/b/original.png", e: Date.now() + 1000 })).toString("base64url");
    expect(store.pathOf(`${other}.${token.split(".")[1]!}`)).toBeNull();
    expect(store.pathOf(`${claim!}.`)).toBeNull();
    expect(new FileImageStore(root, "http://x", "another-secret").pathOf(token)).toBeNull();
  });

  it("leave no partial files after a failed upload", async () => {
    const failing = Readable.from((async function* () {
      yield Buffer.from([1, 2, 3]);
      await Promise.resolve();
      throw new Error("cut");
    })());
    await expect(store.put("users/p/assets/a/original.png", "image/png", failing)).rejects.toThrow("cut");
    expect(await readdir(join(root, "users/p/assets/a"))).toEqual([]);
  });
});
