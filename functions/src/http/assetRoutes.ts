import { Asset, DocumentId, MAX_IMAGE_BYTES } from "@clementine/shared";
import { logger } from "firebase-functions";
import { z } from "zod";
import { submitAsset } from "../assets/submitAsset.js";
import { MAX_UPLOAD_BYTES, UploadError } from "../assets/upload.js";
import { checkObjectPath, type FileImageStore, type ImageStore } from "../assets/imageStore.js";
import { describeError } from "../core/jobErrors.js";
import type { Engine } from "../engine/engine.js";
import { assetRef } from "../lib/refs.js";
import { accepted, errorReply, ok, type HttpReply } from "./layer/reply.js";
import { defineRoute, type Route } from "./layer/route.js";

const MB = 1024 * 1024;

export interface AssetRouteDeps {
  getEngine: () => Engine;
  store: () => Promise<ImageStore>;
  /** The filesystem store when this is the local stack: then `GET /images/{token}` serves its read URLs. */
  localStore: () => Promise<FileImageStore | null>;
}

/**
 * The AI asset queue's endpoints for signed-in users (ai-queue spec): submit
 * an image for analysis, delete an asset. In the local stack also the image
 * URLs the AI service is given.
 */
export function assetRoutes({ getEngine, store, localStore }: AssetRouteDeps): Route[] {
  return [
    defineRoute({
      method: "POST",
      path: "/assets/analyze-queue",
      access: "user",
      rawBody: true,
      maxBodyBytes: MAX_UPLOAD_BYTES,
      tooLargeMessage: `image: at most ${MAX_IMAGE_BYTES / MB} MB`,
      async handle({ uid, rawBody, header }) {
        // A uid from a custom token may be any string; assets and their images live under it.
        if (!canOwnAssets(uid)) return errorReply("PERMISSION_DENIED", "This account's id cannot own assets.");
        try {
          return accepted(await submitAsset(getEngine(), await store(), uid, rawBody, header("content-type")));
        } catch (error) {
          if (!(error instanceof UploadError)) throw error;
          logger.info("asset.refused", { uid, field: error.field, status: error.status });
          return uploadRefused(error);
        }
      },
    }),
    defineRoute({
      method: "DELETE",
      path: "/assets/:assetId",
      access: "user",
      params: z.strictObject({ assetId: DocumentId }),
      async handle({ uid, params }) {
        if (!canOwnAssets(uid)) return errorReply("ASSET_NOT_FOUND");
        const ref = assetRef(getEngine().db, uid, params.assetId);
        const snap = await ref.get();
        if (!snap.exists) return errorReply("ASSET_NOT_FOUND");
        const { image } = Asset.parse(snap.data());
        // The document first: a run still waiting finds it gone and ends quietly.
        await ref.delete();
        // The asset is gone whatever happens next; an image that could not be deleted is logged, for a cleanup.
        await (await store()).delete(image.path).catch((error: unknown) => logger.error("asset.image_not_deleted", { uid, assetId: params.assetId, path: image.path, detail: describeError(error) }));
        logger.info("asset.deleted", { uid, assetId: params.assetId });
        return ok({ assetId: params.assetId, deleted: true });
      },
    }),
    defineRoute({
      method: "GET",
      path: "/images/:token",
      access: "public",
      params: z.strictObject({ token: z.string().max(2000) }),
      async handle({ params }) {
        const local = await localStore();
        const path = local?.pathOf(params.token);
        const image = path ? await local!.get(path) : null;
        if (!image) return errorReply("NOT_FOUND", "There is no such image, or its link has expired.");
        const chunks: Buffer[] = [];
        for await (const chunk of image.body as AsyncIterable<Buffer>) chunks.push(chunk);
        return { status: 200, body: Buffer.concat(chunks), headers: { "content-type": image.contentType, "cache-control": "private, no-store" } };
      },
    }),
  ];
}

/** Whether `uid` can name the asset's document and its image's object path (a custom token's uid may hold `/`, `|`, `@`…). */
function canOwnAssets(uid: string): boolean {
  if (!DocumentId.safeParse(uid).success) return false;
  try {
    checkObjectPath(`users/${uid}/assets/x/original`);
    return true;
  } catch {
    return false;
  }
}

/** The upload's refusal names its field ("category: must be one of …"): text of our own, safe to send. */
function uploadRefused(error: UploadError): HttpReply {
  const { message } = error;
  if (error.status === 413) return errorReply("PAYLOAD_TOO_LARGE", message);
  if (error.status === 415) return errorReply("UNSUPPORTED_MEDIA_TYPE", message);
  return errorReply("INVALID_REQUEST", message);
}
