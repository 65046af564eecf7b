import { ASSET_CATEGORIES, MAX_IMAGE_BYTES } from "@clementine/shared";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FileImageStore } from "./imageStore.js";
import { receiveUpload, UploadError } from "./upload.js";

const PNG = Buffer.concat([Buffer.from("89504e470d0a1a0a0000000d49484452", "hex"), Buffer.alloc(100, 7)]);
const BOUNDARY = "----clementine-test-boundary";
const TYPE = `multipart/form-data; boundary=${BOUNDARY}`;

/** A multipart body: string values are fields, Buffers are files (`image.png`). */
function form(parts: Record<string, string | Buffer>): Buffer {
  const chunks = Object.entries(parts).flatMap(([name, value]) => [
    Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="${name}"${typeof value === "string" ? "" : `; filename="image.png"\r\nContent-Type: image/png`}\r\n\r\n`),
    typeof value === "string" ? Buffer.from(value) : value,
    Buffer.from("\r\n"),
  ]);
  return Buffer.concat([...chunks, Buffer.from(`--${BOUNDARY}--\r\n`)]);
}

let root: string;
let store: FileImageStore;
const PATH = "users/u1/assets/a1/original";
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "upload-"));
  store = new FileImageStore(root, "http://127.0.0.1/images", "secret");
});
afterAll(() => rm(root, { recursive: true, force: true }));

async function refusal(body: Buffer, type = TYPE): Promise<UploadError> {
  const error = await receiveUpload(body, type, store, PATH).then(() => null, (e: unknown) => e);
  expect(error).toBeInstanceOf(UploadError);
  // Nothing of a refused upload stays in the store.
  expect(await store.get(PATH)).toBeNull();
  return error as UploadError;
}

describe("receiveUpload", () => {
  it("stores the image with the type its bytes show, whatever order the fields come in", async () => {
    const upload = await receiveUpload(form({ image: PNG, category: "coin", name: " 1909 penny " }), TYPE, store, PATH);
    expect(upload).toEqual({ category: "coin", name: "1909 penny", image: { path: PATH, contentType: "image/png", bytes: PNG.length } });
    expect(Buffer.concat((await (await store.get(PATH))!.body.toArray()) as Buffer[]).equals(PNG)).toBe(true);
    await store.delete(PATH);
  });

  it("names the field of each refusal", async () => {
    expect(await refusal(form({ category: "coin" }))).toMatchObject({ status: 400, field: "image", message: expect.stringContaining("required") as string });
    expect(await refusal(form({ image: Buffer.from("GIF? no, just text pretending to be an image"), category: "coin" }))).toMatchObject({ status: 400, field: "image", message: expect.stringContaining("not an image") as string });
    expect(await refusal(form({ image: Buffer.alloc(0), category: "coin" }))).toMatchObject({ status: 400, field: "image" });
    const unknown = await refusal(form({ image: PNG, category: "spaceship" }));
    expect(unknown).toMatchObject({ status: 400, field: "category" });
    for (const category of ASSET_CATEGORIES) expect(unknown.message).toContain(category);
    expect(await refusal(form({ image: PNG, category: "coin", name: "x".repeat(201) }))).toMatchObject({ field: "name" });
    expect(await refusal(Buffer.from("{}"), "application/json")).toMatchObject({ status: 415 });
    expect(await refusal(Buffer.from("x"), "multipart/form-data; nothing")).toMatchObject({ status: 400, field: "body" });
  });

  it("refuses a body cut off inside the image, or malformed after it, and keeps none of it", async () => {
    const whole = form({ image: Buffer.concat([PNG, Buffer.alloc(200_000, 9)]), category: "coin" });
    expect(await refusal(whole.subarray(0, 150_000))).toMatchObject({ status: 400 });
    const afterImage = Buffer.concat([form({ image: PNG }).subarray(0, -`--${BOUNDARY}--\r\n`.length), Buffer.from(`--${BOUNDARY}\r\nnot a header\r\n\r\nx\r\n--${BOUNDARY}--\r\n`)]);
    expect(await refusal(afterImage)).toMatchObject({ status: 400 });
    expect((await readdir(root, { recursive: true })).filter((f) => f.endsWith(".partial"))).toEqual([]);
  });

  it("stops an image over the limit, says the limit, and keeps none of it", async () => {
    const big = Buffer.concat([PNG, Buffer.alloc(MAX_IMAGE_BYTES, 1)]);
    const error = await refusal(form({ category: "coin", image: big }));
    expect(error).toMatchObject({ status: 413, field: "image", message: "image: at most 10 MB" });
    expect(await readdir(join(root, "users/u1/assets/a1")).catch(() => [])).toEqual([]);
  });
});
