import { z } from "zod";
import { StoredText, Timestamp } from "./ids.js";

/** What a user may say their collectible is (ai-queue spec, US-1: an unknown one is refused, listing these). */
export const ASSET_CATEGORIES = ["trading-card", "coin", "stamp", "comic", "figure", "watch", "sneaker", "other"] as const;
export const AssetCategory = z.enum(ASSET_CATEGORIES);
export type AssetCategory = z.infer<typeof AssetCategory>;

/** An asset's image may be at most this large (10 MiB). */
export const MAX_IMAGE_BYTES = 10 * 1024 * 1024;

/** The image types an upload may be, recognised by their first bytes, not by what the client says. */
export const IMAGE_TYPES = ["image/jpeg", "image/png", "image/gif", "image/webp"] as const;
export type ImageType = (typeof IMAGE_TYPES)[number];

/** The image type `head` (an upload's first bytes) starts with, or null when it is no image we take. */
export function sniffImageType(head: Uint8Array): ImageType | null {
  const starts = (bytes: number[], at = 0) => bytes.every((b, i) => head[at + i] === b);
  if (starts([0xff, 0xd8, 0xff])) return "image/jpeg";
  if (starts([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return "image/png";
  if (starts([0x47, 0x49, 0x46, 0x38]) && (head[4] === 0x37 || head[4] === 0x39) && head[5] === 0x61) return "image/gif";
  if (starts([0x52, 0x49, 0x46, 0x46]) && starts([0x57, 0x45, 0x42, 0x50], 8)) return "image/webp";
  return null;
}

/** The bytes `sniffImageType` needs to decide. */
export const IMAGE_SNIFF_BYTES = 12;

/**
 * The AI service's contract (the spec's Python worker), `POST {AI_SERVICE_URL}/v1/analyze`:
 * the request, the reply on 200, and the error body on 4xx/5xx.
 */
export const AiAnalyzeRequest = z.strictObject({
  /** A short-lived URL the service fetches the image from. */
  imageUrl: z.url(),
  assetId: z.string(),
  category: AssetCategory,
  name: z.string().nullable(),
});
export type AiAnalyzeRequest = z.infer<typeof AiAnalyzeRequest>;

const Confidence = z.number().min(0).max(1);

export const AssetMetadata = z.object({
  brand: z.string().min(1).max(200),
  model: z.string().min(1).max(200),
  /** The service's own reading of the category, which may differ from the user's. */
  category: AssetCategory,
  year: z.int().min(1000).max(3000).nullable(),
  confidence: z.object({ brand: Confidence, model: Confidence, overall: Confidence }),
  labels: z.array(z.string().max(100)).max(50),
});
export type AssetMetadata = z.infer<typeof AssetMetadata>;

export const AiErrorBody = z.object({ error: z.object({ code: z.string(), message: z.string() }) });

export const ASSET_STATUSES = ["draft", "processing", "active", "failed"] as const;
export const AssetStatus = z.enum(ASSET_STATUSES);
export type AssetStatus = z.infer<typeof AssetStatus>;

/** What a user may be told about a failure: a code and a message meant for them. */
export const AssetError = z.object({ code: z.string(), message: z.string() });
export type AssetError = z.infer<typeof AssetError>;

/** `/users/{uid}/assets/{assetId}`: the owner reads it; only the server writes it. */
export const Asset = z.object({
  ownerUid: z.string(),
  category: AssetCategory,
  name: StoredText.max(200).nullable(),
  status: AssetStatus,
  image: z.object({ path: z.string(), contentType: z.enum(IMAGE_TYPES), bytes: z.int() }),
  /** The run that processes it: its job id. */
  jobId: z.string(),
  metadata: AssetMetadata.nullable(),
  error: AssetError.nullable(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type Asset = z.infer<typeof Asset>;

/** `/users/{uid}/events/{eventId}`: `asset_processed`, readable by that user only (the spec's per-user room). */
export const AssetProcessedEvent = z.object({
  type: z.literal("asset_processed"),
  assetId: z.string(),
  jobId: z.string(),
  status: z.enum(["active", "failed"]),
  metadata: AssetMetadata.nullable(),
  error: AssetError.nullable(),
  at: Timestamp,
  /** Events are for clients that are listening; Firestore's TTL removes them after a day (the asset keeps its status). */
  expiresAt: Timestamp,
});
export type AssetProcessedEvent = z.infer<typeof AssetProcessedEvent>;

/** The answer of `POST /api/assets/analyze-queue`: 202, the asset is processing. */
export const AnalyzeQueueReply = z.object({ jobId: z.string(), assetId: z.string() });
export type AnalyzeQueueReply = z.infer<typeof AnalyzeQueueReply>;
