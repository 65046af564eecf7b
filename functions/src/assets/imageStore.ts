import { createHmac, randomUUID, timingSafeEqual } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";

/**
 * Where asset images live: Cloud Storage in production, a directory in the
 * local stack (the Storage emulator cannot start offline). Both adapters pass
 * one contract (`imageStore.contract.ts`).
 */
export interface ImageStore {
  /** Writes the object from `body` as it streams; the object appears whole or not at all. Resolves to its size. */
  put(path: string, contentType: string, body: Readable): Promise<{ bytes: number }>;
  /** The object, or null when there is none. */
  get(path: string): Promise<{ contentType: string; body: Readable } | null>;
  /** Removes the object; nothing happens when there is none. */
  delete(path: string): Promise<void>;
  /** A URL anyone holding it may read the object from, for `ttlMs`. */
  readUrl(path: string, ttlMs: number): Promise<string>;
}

/** An object path: segments of letters, digits, `-`, `_` and `.`, never `.` or `..` alone. */
export function checkObjectPath(path: string): string {
  const segments = path.split("/");
  if (path.length > 512 || segments.some((s) => !/^[A-Za-z0-9_.-]+$/.test(s) || s === "." || s === "..")) {
    throw new Error(`not an object path: '${path.slice(0, 100)}'`);
  }
  return path;
}

/**
 * The filesystem adapter: objects are files under `root` (with their content
 * type beside them), and a read URL is our own endpoint (`urlBase`/{token})
 * with an HMAC-signed token naming the path and its expiry.
 */
export class FileImageStore implements ImageStore {
  constructor(
    private readonly root: string,
    private readonly urlBase: string,
    private readonly secret: string,
  ) {}

  private file(path: string) {
    return join(resolve(this.root), checkObjectPath(path));
  }

  async put(path: string, contentType: string, body: Readable) {
    const file = this.file(path);
    await mkdir(dirname(file), { recursive: true });
    // Written aside and renamed: a reader never sees half an object.
    const partial = `${file}.${randomUUID()}.partial`;
    try {
      await pipeline(body, createWriteStream(partial));
      await writeFile(`${file}.type`, contentType);
      await rename(partial, file);
    } catch (error) {
      await rm(partial, { force: true });
      throw error;
    }
    return { bytes: (await stat(file)).size };
  }

  async get(path: string) {
    const file = this.file(path);
    const contentType = await readFile(`${file}.type`, "utf8").catch(() => null);
    if (contentType === null || !(await stat(file).catch(() => null))) return null;
    return { contentType, body: createReadStream(file) };
  }

  async delete(path: string) {
    const file = this.file(path);
    await rm(file, { force: true });
    await rm(`${file}.type`, { force: true });
  }

  async readUrl(path: string, ttlMs: number) {
    await Promise.resolve();
    const claim = Buffer.from(JSON.stringify({ p: checkObjectPath(path), e: Date.now() + ttlMs })).toString("base64url");
    return `${this.urlBase}/${claim}.${this.sign(claim)}`;
  }

  /** The path a token from `readUrl` grants, or null when it is forged, malformed or expired. */
  pathOf(token: string, now = Date.now()): string | null {
    const [claim, signature, ...rest] = token.split(".");
    if (!claim || !signature || rest.length > 0) return null;
    const expected = Buffer.from(this.sign(claim));
    const given = Buffer.from(signature);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return null;
    try {
      const { p, e } = JSON.parse(Buffer.from(claim, "base64url").toString("utf8")) as { p: unknown; e: unknown };
      return typeof p === "string" && typeof e === "number" && now <= e ? checkObjectPath(p) : null;
    } catch {
      return null;
    }
  }

  private sign(claim: string) {
    return createHmac("sha256", this.secret).update(claim).digest("base64url");
  }
}
