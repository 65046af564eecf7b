import { app } from "./firebase.js";
import { FileImageStore, type ImageStore } from "../assets/imageStore.js";

let store: Promise<ImageStore> | undefined;

/**
 * Where this deployment keeps asset images. In production, the project's
 * default Cloud Storage bucket (its SDK is loaded only then). The local stack
 * and the tests set IMAGE_STORE_DIR (the Storage emulator cannot start
 * offline): a directory, whose read URLs are our own `GET /api/images/{token}`
 * at IMAGE_URL_BASE, signed with IMAGE_TOKEN_SECRET. All three come from
 * scripts/lib/stack.mjs.
 */
export function getImageStore(): Promise<ImageStore> {
  store ??= localStore() ?? cloudStore();
  return store;
}

/** The filesystem store, when this is the local stack; its read URLs can be served by `GET /api/images/{token}`. */
export async function getLocalImageStore(): Promise<FileImageStore | null> {
  const current = await getImageStore();
  return current instanceof FileImageStore ? current : null;
}

function localStore(): Promise<ImageStore> | null {
  const { IMAGE_STORE_DIR: dir, IMAGE_URL_BASE: urlBase, IMAGE_TOKEN_SECRET: secret } = process.env;
  if (!dir) return null;
  if (!urlBase || !secret) throw new Error("IMAGE_STORE_DIR is set without IMAGE_URL_BASE and IMAGE_TOKEN_SECRET");
  return Promise.resolve(new FileImageStore(dir, urlBase, secret));
}

async function cloudStore(): Promise<ImageStore> {
  const [{ getStorage }, { CloudStorageImageStore }] = await Promise.all([import("firebase-admin/storage"), import("../assets/cloudStorageStore.js")]);
  return new CloudStorageImageStore(getStorage(app).bucket());
}
