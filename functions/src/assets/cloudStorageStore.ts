import type { getStorage } from "firebase-admin/storage";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { checkObjectPath, type ImageStore } from "./imageStore.js";

type Bucket = ReturnType<ReturnType<typeof getStorage>["bucket"]>;

/**
 * The Cloud Storage adapter (production: the project's default bucket, via the
 * Admin SDK). An upload is a single request (not resumable), so the object
 * appears whole or not at all; a read URL is a V4 signed URL.
 */
export class CloudStorageImageStore implements ImageStore {
  constructor(private readonly bucket: Bucket) {}

  async put(path: string, contentType: string, body: Readable) {
    const file = this.bucket.file(checkObjectPath(path));
    await pipeline(body, file.createWriteStream({ contentType, resumable: false, metadata: { cacheControl: "private, max-age=0" } }));
    const [metadata] = await file.getMetadata();
    return { bytes: Number(metadata.size) };
  }

  async get(path: string) {
    const file = this.bucket.file(checkObjectPath(path));
    const [exists] = await file.exists();
    if (!exists) return null;
    const [metadata] = await file.getMetadata();
    return { contentType: metadata.contentType ?? "application/octet-stream", body: file.createReadStream() };
  }

  async delete(path: string) {
    await this.bucket.file(checkObjectPath(path)).delete({ ignoreNotFound: true });
  }

  async readUrl(path: string, ttlMs: number) {
    const emulator = process.env.STORAGE_EMULATOR_HOST;
    // The emulator verifies no signatures, and signing needs credentials it does not have.
    if (emulator) return `${emulator.startsWith("http") ? emulator : `http://${emulator}`}/storage/v1/b/${this.bucket.name}/o/${encodeURIComponent(checkObjectPath(path))}?alt=media`;
    const [url] = await this.bucket.file(checkObjectPath(path)).getSignedUrl({ version: "v4", action: "read", expires: Date.now() + ttlMs });
    return url;
  }
}
