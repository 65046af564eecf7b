import { randomUUID } from "node:crypto";
import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import type { ImageStore } from "./imageStore.js";

const PNG = Buffer.from("89504e470d0a1a0a0000000d4948445200000001000000010806000000", "hex");

/**
 * What every ImageStore adapter must do, run against each: the filesystem one
 * in `npm test`, the Cloud Storage one against the Storage emulator
 * (`npm run test:storage`, on machines that can start it).
 */
export function imageStoreContract(adapter: string, store: () => ImageStore) {
  describe(`ImageStore contract: ${adapter}`, () => {
    const path = () => `users/u-${randomUUID()}/assets/a1/original.png`;

    it("gives back what was put, with its type and size", async () => {
      const at = path();
      expect(await store().put(at, "image/png", Readable.from([PNG.subarray(0, 10), PNG.subarray(10)]))).toEqual({ bytes: PNG.length });
      const got = await store().get(at);
      expect(got?.contentType).toBe("image/png");
      expect(Buffer.concat((await got!.body.toArray()) as Buffer[]).equals(PNG)).toBe(true);
    });

    it("serves the object at its read URL", async () => {
      const at = path();
      await store().put(at, "image/png", Readable.from([PNG]));
      const res = await fetch(await store().readUrl(at, 60_000));
      expect(res.status).toBe(200);
      expect(Buffer.from(await res.arrayBuffer()).equals(PNG)).toBe(true);
    });

    it("leaves nothing behind when the upload's stream fails midway", async () => {
      const at = path();
      const failing = Readable.from((async function* () {
        yield PNG.subarray(0, 8);
        await Promise.resolve();
        throw new Error("client went away");
      })());
      await expect(store().put(at, "image/png", failing)).rejects.toThrow("client went away");
      expect(await store().get(at)).toBeNull();
    });

    it("deletes, and a second delete or a missing object is not an error", async () => {
      const at = path();
      await store().put(at, "image/png", Readable.from([PNG]));
      await store().delete(at);
      expect(await store().get(at)).toBeNull();
      await store().delete(at);
      expect(await store().get(path())).toBeNull();
    });

    it("refuses paths that could leave the store's root", async () => {
      await expect(store().put("users/../../etc/passwd", "image/png", Readable.from([PNG]))).rejects.toThrow("not an object path");
      await expect(store().readUrl("/abs", 1000)).rejects.toThrow("not an object path");
    });
  });
}
