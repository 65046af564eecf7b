import type { AnalyzeQueueReply, Asset } from "@clementine/shared";
import { FieldValue, Timestamp } from "firebase-admin/firestore";
import { logger } from "firebase-functions";
import { describeError } from "../core/jobErrors.js";
import { enqueueNewRun, prepareRun } from "../engine/createRun.js";
import type { Engine } from "../engine/engine.js";
import { isPreconditionFailed } from "../engine/firestoreErrors.js";
import { runsCollection } from "../engine/refs.js";
import { assetsCollection } from "../lib/refs.js";
import { AI_PROCESSING } from "../pipelines/aiProcessing.js";
import { ASSETS_PROJECT_ID } from "./config.js";
import type { ImageStore } from "./imageStore.js";
import { receiveUpload } from "./upload.js";

/**
 * `POST /api/assets/analyze-queue` (ai-queue spec, US-1): the image goes to
 * the store as it is parsed, then the draft asset and its run are created in
 * one commit (neither exists without the other), the run is queued, and the
 * asset becomes `processing`. From the commit on, the run moves the asset on
 * whatever fails here: a lost enqueue is sent again by the sweeper, and the
 * run's first commit sets `processing` too. Throws UploadError for a bad
 * upload, with nothing left in the store.
 */
export async function submitAsset(engine: Engine, store: ImageStore, uid: string, body: Buffer, contentType: string | undefined): Promise<AnalyzeQueueReply> {
  const assetRef = assetsCollection(engine.db, uid).doc();
  const assetId = assetRef.id;
  const upload = await receiveUpload(body, contentType, store, `users/${uid}/assets/${assetId}/original`);
  const jobId = runsCollection(engine.db).doc().id;
  let created: Timestamp;
  try {
    const prepared = prepareRun(engine, { pipeline: AI_PROCESSING, projectId: ASSETS_PROJECT_ID, payload: { uid, assetId }, correlationId: assetId, runId: jobId });
    if (prepared.kind !== "ready") throw new Error(`the ai-processing run could not be prepared: ${prepared.kind}`);
    const now = Timestamp.fromMillis(engine.now());
    const asset: Asset = { ownerUid: uid, category: upload.category, name: upload.name, status: "draft", image: upload.image, jobId, metadata: null, error: null, createdAt: now, updatedAt: now };
    const [write] = await engine.db.batch().create(assetRef, asset).create(prepared.ref, prepared.record).commit();
    created = write!.writeTime;
  } catch (error) {
    // A commit may land though its answer was lost (a deadline, a dropped connection): then the asset is there.
    const landed = await assetRef.get().catch(() => null);
    if (landed?.exists && landed.get("jobId") === jobId) {
      created = landed.updateTime!;
    } else {
      // Nothing was committed: the image must not outlive the request.
      await store.delete(upload.image.path).catch(() => {});
      throw error;
    }
  }
  logger.info("asset.submitted", { uid, assetId, jobId, bytes: upload.image.bytes, contentType: upload.image.contentType });
  try {
    await enqueueNewRun(engine, jobId);
  } catch (error) {
    // Accepted all the same: the run is stored, and the sweeper sends its wake-up once its pickup grace has passed.
    logger.warn("asset.enqueue_failed", { assetId, jobId, detail: describeError(error) });
  }
  try {
    // Only if nothing wrote the asset since: a fast run may already have moved it on.
    await assetRef.update({ status: "processing", updatedAt: FieldValue.serverTimestamp() }, { lastUpdateTime: created });
  } catch (error) {
    if (!isPreconditionFailed(error)) logger.warn("asset.processing_not_set", { assetId, jobId, detail: describeError(error) });
  }
  return { jobId, assetId };
}
