import { AssetCategory, ASSET_CATEGORIES, IMAGE_SNIFF_BYTES, MAX_IMAGE_BYTES, sniffImageType, type ImageType } from "@clementine/shared";
import busboy from "busboy";
import { PassThrough } from "node:stream";
import type { ImageStore } from "./imageStore.js";

/** What a valid upload gave: the image, stored, and the asset's details. */
export interface Upload {
  category: AssetCategory;
  name: string | null;
  image: { path: string; contentType: ImageType; bytes: number };
}

/** A refusal naming the field, with the HTTP status it deserves. */
export class UploadError extends Error {
  constructor(
    readonly status: 400 | 413 | 415,
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}

const MB = 1024 * 1024;
/** Room for the form's other fields and boundaries around the image. */
export const MAX_UPLOAD_BYTES = MAX_IMAGE_BYTES + 64 * 1024;

/**
 * Parses a `multipart/form-data` body (`image`, `category`, optional `name`)
 * and streams the image into `store` at `path` as it is read: its first bytes
 * decide whether it is an image at all, and more than MAX_IMAGE_BYTES stops
 * it. On any refusal nothing stays in the store.
 */
export async function receiveUpload(body: Buffer, contentType: string | undefined, store: ImageStore, path: string): Promise<Upload> {
  if (!/^multipart\/form-data\s*;/i.test(contentType ?? "")) throw new UploadError(415, "body", "send the image as multipart/form-data, in the field 'image'");
  const fields: Record<string, string> = {};
  let stored: Promise<{ contentType: ImageType; bytes: number }> | null = null;
  let refusal: UploadError | null = null;
  const refuse = (error: UploadError) => (refusal ??= error);

  await new Promise<void>((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      parser = busboy({ headers: { "content-type": contentType }, limits: { files: 1, fields: 10, fieldSize: 1000, fileSize: MAX_IMAGE_BYTES } });
    } catch {
      return reject(new UploadError(400, "body", "malformed multipart/form-data (no boundary)"));
    }
    parser.on("field", (name, value) => {
      fields[name] = value;
    });
    parser.on("file", (name, file) => {
      if (name !== "image" || stored) {
        file.resume();
        return;
      }
      stored = storeImage(file, store, path, refuse);
    });
    parser.on("filesLimit", () => refuse(new UploadError(400, "image", "send exactly one file")));
    // Refused, but only once the image (if one started) has settled: what it stored is deleted below.
    parser.on("error", () => {
      refuse(new UploadError(400, "body", "malformed or incomplete multipart/form-data"));
      resolve();
    });
    parser.on("close", () => resolve());
    parser.end(body);
  });

  const image = await (stored as Promise<{ contentType: ImageType; bytes: number }> | null)?.catch((error: unknown) => {
    if (error instanceof UploadError) return refuse(error) && null;
    throw error;
  });
  const category = AssetCategory.safeParse(fields.category);
  if (!refusal && !image) refuse(new UploadError(400, "image", "required: send the picture as a file in the field 'image'"));
  if (!refusal && !category.success) refuse(new UploadError(400, "category", `must be one of ${ASSET_CATEGORIES.join(", ")}`));
  const name = fields.name?.trim() || null;
  if (!refusal && name && name.length > 200) refuse(new UploadError(400, "name", "at most 200 characters"));
  if (refusal) {
    if (image) await store.delete(path);
    throw refusal as UploadError;
  }
  return { category: category.data!, name, image: { path, ...image! } };
}

/** Streams one file part into the store once its first bytes show an image; rejects with an UploadError otherwise. */
function storeImage(file: NodeJS.ReadableStream & { truncated?: boolean }, store: ImageStore, path: string, refuse: (e: UploadError) => void) {
  return new Promise<{ contentType: ImageType; bytes: number }>((resolve, reject) => {
    const head: Buffer[] = [];
    let seen = 0;
    let upload: Promise<{ bytes: number }> | null = null;
    let out: PassThrough | null = null;
    let type: ImageType | null = null;
    const tooLarge = new UploadError(413, "image", `at most ${MAX_IMAGE_BYTES / MB} MB`);
    file.on("limit", () => refuse(tooLarge));
    // The body ended inside the image (no closing boundary): nothing of it may stay.
    file.on("error", () => {
      const incomplete = new UploadError(400, "image", "the upload ended before the image did");
      if (!out) return reject(incomplete);
      out.destroy();
      void upload!.catch(() => undefined).then(() => store.delete(path)).then(() => reject(incomplete), reject);
    });
    file.on("data", (chunk: Buffer) => {
      if (out) return void out.write(chunk);
      head.push(chunk);
      seen += chunk.length;
      if (seen < IMAGE_SNIFF_BYTES) return;
      type = sniffImageType(Buffer.concat(head));
      if (!type) {
        file.removeAllListeners("data");
        file.resume();
        return reject(new UploadError(400, "image", "not an image: send a JPEG, PNG, GIF or WebP file"));
      }
      out = new PassThrough();
      out.on("error", () => undefined); // reported by the store's promise
      upload = store.put(path, type, out);
      out.write(Buffer.concat(head));
    });
    file.on("end", () => {
      if (!out) {
        if (!type) reject(new UploadError(400, "image", seen === 0 ? "the file is empty" : "not an image: send a JPEG, PNG, GIF or WebP file"));
        return;
      }
      out.end();
      // Cut off at the limit: what was stored of it goes.
      if (file.truncated) return void upload!.then(() => store.delete(path)).then(() => reject(tooLarge), reject);
      upload!.then(({ bytes }) => resolve({ contentType: type!, bytes }), reject);
    });
  });
}
