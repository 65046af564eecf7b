import { Asset, AssetMetadata, DocumentId, type AssetError, type AssetProcessedEvent, type RunError, type RunRecord } from "@clementine/shared";
import { definePipeline, isTerminal, NonRetryableError } from "@clementine/pipeline";
import { Timestamp, type Firestore } from "firebase-admin/firestore";
import { logger } from "firebase-functions";
import { z } from "zod";
import { analyzeImage } from "../assets/aiClient.js";
import type { ImageStore } from "../assets/imageStore.js";
import { pipeline, type MirrorWrite } from "../engine/engine.js";
import { isEngineErrorCode } from "../engine/runErrors.js";
import { assetRef, userEventsCollection } from "../lib/refs.js";

export const AI_PROCESSING = "ai-processing";

export const AiProcessingPayload = z.strictObject({ uid: DocumentId, assetId: DocumentId });
export type AiProcessingPayload = z.infer<typeof AiProcessingPayload>;

/** `skipped` when the asset was gone before the call: the run ends quietly. */
const AnalyzeOutput = z.object({ metadata: AssetMetadata.nullable(), skipped: z.string().nullable() });

/** How long the AI service may take to fetch the image once it has the URL. */
const IMAGE_URL_TTL_MS = 15 * 60_000;
/** Events are for clients listening now; one that was offline reads its assets instead (spec US-2). */
const EVENT_TTL_MS = 24 * 3600_000;

/** Engine codes (not the AI's own) say nothing an owner can act on: they get this. */
const PROCESSING_FAILED: AssetError = { code: "PROCESSING_FAILED", message: "We couldn't analyse this image. Please try again." };
const CANCELLED: AssetError = { code: "CANCELLED", message: "The analysis of this image was stopped. Please upload it again." };

export interface AiProcessingConfig {
  db: Firestore;
  store: () => Promise<ImageStore>;
  /** Read when a call is made: a param has its value only inside a function. */
  serviceUrl: () => string;
  timeoutMs: number;
  /** The second attempt waits this long, the third twice as long. */
  retryBaseMs: number;
  concurrency: number;
}

/**
 * The AI asset queue (ai-queue spec): one step calls the AI service with a
 * short-lived URL of the asset's image. The asset and the owner's
 * `asset_processed` event are mirrors of the run, written in the commit that
 * ends it: exactly once, whoever ran the step and however often, and never
 * for an asset deleted meanwhile (the asset's `update` fails, the event goes
 * with it).
 */
export function aiProcessing(config: AiProcessingConfig) {
  const { db } = config;
  return pipeline(
    definePipeline({
      name: AI_PROCESSING,
      payload: AiProcessingPayload,
      // Spec FR-003: three attempts, exponential backoff.
      retry: { maxAttempts: 3, delaysMs: [config.retryBaseMs, 2 * config.retryBaseMs] },
      timeoutSeconds: 15 * 60,
      steps: [
        {
          name: "analyze",
          output: AnalyzeOutput,
          async run({ payload: { uid, assetId }, runId, signal }) {
            const snap = await assetRef(db, uid, assetId).get();
            if (!snap.exists) {
              logger.info("asset.skipped", { runId, uid, assetId, reason: "the asset was deleted" });
              return { metadata: null, skipped: "the asset was deleted before it was analysed" };
            }
            const asset = Asset.safeParse(snap.data());
            if (!asset.success) throw new NonRetryableError(`the asset does not match its schema: ${asset.error.message}`);
            const { image, category, name } = asset.data;
            const imageUrl = await (await config.store()).readUrl(image.path, IMAGE_URL_TTL_MS);
            const metadata = await analyzeImage(config.serviceUrl(), { imageUrl, assetId, category, name }, { timeoutMs: config.timeoutMs, runId, signal });
            return { metadata, skipped: null };
          },
        },
      ],
    }),
    {
      // Spec FR-011: in submission order, at most this many at once.
      concurrency: { limit: config.concurrency },
      mirrors: (runId, run, payload) => assetMirrors(db, runId, run, payload),
    },
  );
}

function assetMirrors(db: Firestore, runId: string, run: RunRecord, { uid, assetId }: AiProcessingPayload): MirrorWrite[] {
  const asset = assetRef(db, uid, assetId);
  const updatedAt = run.updatedAt;
  if (!isTerminal(run.status)) return [{ ref: asset, data: { status: "processing", jobId: runId, error: null, updatedAt }, mode: "update" }];
  const output = run.status === "completed" ? AnalyzeOutput.parse(run.executionData) : null;
  if (output?.skipped) return [];
  const ending =
    output?.metadata != null
      ? { status: "active" as const, metadata: output.metadata, error: null }
      : { status: "failed" as const, metadata: null, error: run.status === "cancelled" ? CANCELLED : ownerError(run.error) };
  const event: AssetProcessedEvent = { type: "asset_processed", assetId, jobId: runId, ...ending, at: updatedAt, expiresAt: Timestamp.fromMillis(updatedAt.toMillis() + EVENT_TTL_MS) };
  return [
    { ref: asset, data: { ...ending, jobId: runId, updatedAt }, mode: "update" },
    // Named by the run's event count: a run retried after it failed ends again, with an event of its own.
    { ref: userEventsCollection(db, uid).doc(`${runId}-${run.eventCount}`), data: event, mode: "set", onlyWith: asset },
  ];
}

/** The run's error as its owner may read it: the AI's own code and words, or a general line for the engine's. */
function ownerError(error: RunError | null): AssetError {
  if (!error || isEngineErrorCode(error.code)) return PROCESSING_FAILED;
  return { code: error.code, message: error.message };
}
