import { DetectorMessage } from "@clementine/shared";
import { Timestamp } from "firebase-admin/firestore";
import { logger } from "firebase-functions";
import { onMessagePublished } from "firebase-functions/pubsub";
import { REGION } from "../config.js";
import { describeIssues } from "../http/layer/describeIssues.js";
import { getEngine } from "../lib/engine.js";
import { db } from "../lib/firebase.js";
import { startVideoIngest } from "../pipelines/videoIngest.js";

export const DETECTOR_TOPIC = "detector-events";
/** How much of a refused message's body a dead letter keeps. */
const KEPT_BYTES = 4096;

/**
 * `detector:sd_inserted` on Pub/Sub: the same execution as the HTTP trigger,
 * one per message id however often Pub/Sub (at least once) or the detector
 * delivers it. A message that can never start anything (not JSON, a field
 * missing or malformed) is acknowledged and kept as a dead letter with its
 * reason, never redelivered in a loop; only a failure to reach Firestore
 * throws, and is redelivered.
 */
export const detectorEvents = onMessagePublished({ topic: DETECTOR_TOPIC, region: REGION, retry: true }, async (event) => {
  const message = event.data.message;
  let data: unknown;
  try {
    data = message.json;
  } catch {
    data = undefined;
  }
  const parsed = DetectorMessage.safeParse(data);
  if (!parsed.success) {
    const reason = data === undefined ? "body: must be a JSON object" : describeIssues(parsed.error, "body");
    logger.error("detector.dead_letter", { messageId: message.messageId, reason });
    await db.collection("deadLetters").doc(`pubsub-${message.messageId}`).set({
      source: `pubsub:${DETECTOR_TOPIC}`,
      messageId: message.messageId,
      reason,
      data: Buffer.from(message.data ?? "", "base64").subarray(0, KEPT_BYTES).toString("utf8"),
      receivedAt: Timestamp.now(),
    });
    return;
  }
  const { project_id: projectId, ...detectorEvent } = parsed.data;
  const started = await startVideoIngest(getEngine(), projectId, detectorEvent);
  logger.info(started.created ? "video.started" : "video.duplicate", { runId: started.runId, messageId: detectorEvent.message_id, projectId, trigger: "pubsub" });
});
