import { z } from "zod";
import { DocumentId, StoredText } from "./ids.js";

/** The video ingest pipeline's steps (pipeline-execution spec): create_job and copy_files both need scan_sd only, and run in parallel. */
export const VIDEO_INGEST_STEPS = ["scan_sd", "create_job", "copy_files"] as const;

/** Where the card is mounted, as the detector saw it: an absolute path. */
export const SdPath = StoredText.min(2, "must be an absolute path").max(1024).regex(/^\//, "must be an absolute path");

/** Knobs of the stub work (the steps do no real I/O yet), for tests and the demo. */
export const VideoSimulation = z.strictObject({
  /** Make this step fail its first `failTimes` attempts (every attempt if absent). */
  failStep: z.enum(VIDEO_INGEST_STEPS).optional(),
  failTimes: z.int().min(1).max(100).optional(),
  /** How long copying one file takes. */
  fileDelayMs: z.int().min(0).max(10_000).optional(),
  /** Run copy_files after create_job instead of beside it: what the parallel steps save, measured (npm run bench). */
  sequential: z.boolean().optional(),
});
export type VideoSimulation = z.infer<typeof VideoSimulation>;

/**
 * `detector:sd_inserted`, as the detector sends it over HTTP (the admin API)
 * or Pub/Sub (topic `detector-events`, which also names the project). Field
 * names are the detector's own.
 */
export const DetectorEvent = z.strictObject({
  type: z.literal("detector:sd_inserted"),
  /** The detector's id for this event: the frontend's correlation id, and what makes a resend start nothing new. */
  message_id: DocumentId.max(200),
  sd_path: SdPath,
  simulate: VideoSimulation.optional(),
});
export type DetectorEvent = z.infer<typeof DetectorEvent>;

/** On Pub/Sub the message names its project too. */
export const DetectorMessage = DetectorEvent.extend({ project_id: DocumentId });
export type DetectorMessage = z.infer<typeof DetectorMessage>;

/** What a video ingest run carries: the trigger, in our field names. */
export const VideoIngestPayload = z.strictObject({
  projectId: DocumentId,
  messageId: DocumentId,
  sdPath: SdPath,
  simulate: VideoSimulation.optional(),
});
export type VideoIngestPayload = z.infer<typeof VideoIngestPayload>;
