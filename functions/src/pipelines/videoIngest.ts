import { VideoIngestPayload, type DetectorEvent, type RunRecord, type VideoSimulation } from "@clementine/shared";
import { definePipeline, type StepContext, type StepSpec } from "@clementine/pipeline";
import { createHash } from "node:crypto";
import { z } from "zod";
import { startRun } from "../engine/createRun.js";
import { DEFAULT_CONCURRENCY, pipeline, type Engine } from "../engine/engine.js";

/**
 * The video ingest pipeline (pipeline-execution spec): an SD card is
 * inserted, `scan_sd` lists its media, then `create_job` and `copy_files`,
 * which both need only the scan, run in parallel. The work is stubbed,
 * deterministic from `sdPath`: a path ending in `/empty` holds no media, and
 * the payload's `simulate` makes a step fail or copying slow.
 */
type Ctx = StepContext<VideoIngestPayload>;

const MediaFile = z.object({ path: z.string(), bytes: z.int() });
const ScanOutput = z.object({ mediaFiles: z.array(MediaFile), totalBytes: z.int() });
const JobOutput = z.object({ jobId: z.string(), clipCount: z.int() });
const CopyOutput = z.object({ copiedFiles: z.array(z.string()), copiedBytes: z.int() });

const digest = (s: string) => createHash("sha256").update(s).digest();
const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => (clearTimeout(timer), reject(signal.reason as Error)), { once: true });
  });

/** Throws while the payload says this step should fail (its first `failTimes` attempts, or every one). */
function maybeFail(step: string, { payload, attempt }: Ctx) {
  const simulate: VideoSimulation | undefined = payload.simulate;
  if (simulate?.failStep !== step) return;
  if (simulate.failTimes === undefined || attempt <= simulate.failTimes) throw new Error(`simulated failure in ${step} (attempt ${attempt})`);
}

/** What the card holds: 2–5 clips named from the path, none on an `/empty` card. */
export function scanCard(sdPath: string): z.infer<typeof ScanOutput> {
  if (/\/empty\/?$/.test(sdPath)) return { mediaFiles: [], totalBytes: 0 };
  const hash = digest(sdPath);
  const count = 2 + (hash[0]! % 4);
  const mediaFiles = Array.from({ length: count }, (_, i) => ({ path: `${sdPath.replace(/\/$/, "")}/DCIM/100MEDIA/CLIP${String(i + 1).padStart(4, "0")}.MP4`, bytes: 50_000_000 + hash[i + 1]! * 1_000_000 }));
  return { mediaFiles, totalBytes: mediaFiles.reduce((n, f) => n + f.bytes, 0) };
}

const scanSd: StepSpec<VideoIngestPayload> = {
  name: "scan_sd",
  output: ScanOutput,
  async run(ctx) {
    maybeFail("scan_sd", ctx);
    await sleep(100, ctx.signal);
    return scanCard(ctx.payload.sdPath);
  },
};

const createJob: StepSpec<VideoIngestPayload> = {
  name: "create_job",
  dependsOn: ["scan_sd"],
  output: JobOutput,
  async run(ctx) {
    maybeFail("create_job", ctx);
    const { mediaFiles } = ScanOutput.parse(ctx.needs.scan_sd);
    await sleep(400, ctx.signal);
    return { jobId: `job-${digest(ctx.payload.messageId).toString("hex").slice(0, 12)}`, clipCount: mediaFiles.length };
  },
};

const copyFiles: StepSpec<VideoIngestPayload> = {
  name: "copy_files",
  dependsOn: ["scan_sd"],
  output: CopyOutput,
  async run(ctx) {
    maybeFail("copy_files", ctx);
    const { mediaFiles } = ScanOutput.parse(ctx.needs.scan_sd);
    const copiedFiles: string[] = [];
    for (const file of mediaFiles) {
      await sleep(ctx.payload.simulate?.fileDelayMs ?? 150, ctx.signal);
      copiedFiles.push(file.path.replace(/^.*\/DCIM\//, "library/"));
      ctx.progress(copiedFiles.length, mediaFiles.length);
    }
    return { copiedFiles, copiedBytes: mediaFiles.reduce((n, f) => n + f.bytes, 0) };
  },
};

export const VIDEO_INGEST = "video-ingest";
const STEPS = [scanSd, createJob, copyFiles];

export const videoIngest = pipeline(
  definePipeline({
    name: VIDEO_INGEST,
    payload: VideoIngestPayload,
    steps: (payload) => (payload.simulate?.sequential ? [scanSd, createJob, { ...copyFiles, dependsOn: ["scan_sd", "create_job"] }] : STEPS),
    retry: { maxAttempts: 3, backoff: { initialMs: 1000, factor: 2, maxMs: 10_000 } },
    timeoutSeconds: 30 * 60,
  }),
  // Each execution copies a card's files: ten at once, the rest wait their turn.
  { concurrency: { limit: DEFAULT_CONCURRENCY } },
);

/** One execution per detector message: its run id is derived from the project and the message id, so a resend finds it. */
export const videoRunId = (projectId: string, messageId: string) => `video-${digest(`${projectId}\n${messageId}`).toString("hex").slice(0, 32)}`;

/**
 * Starts the execution for a detector event, or finds the one it already
 * started: both triggers (HTTP, Pub/Sub) come through here, and a resent or
 * racing message with the same id creates nothing new.
 */
export async function startVideoIngest(engine: Engine, projectId: string, event: DetectorEvent): Promise<{ runId: string; created: boolean; record: RunRecord }> {
  const payload: VideoIngestPayload = { projectId, messageId: event.message_id, sdPath: event.sd_path, ...(event.simulate ? { simulate: event.simulate } : {}) };
  const outcome = await startRun(engine, { pipeline: VIDEO_INGEST, projectId, payload, correlationId: event.message_id, runId: videoRunId(projectId, event.message_id) });
  switch (outcome.kind) {
    case "ready":
      return { runId: outcome.ref.id, created: true, record: outcome.record };
    case "existing":
      return { runId: outcome.ref.id, created: false, record: outcome.record };
    case "invalid-payload":
    case "unknown-pipeline":
      // The event was checked against DetectorEvent already: this is a bug, not bad input.
      throw new Error(`video ingest could not start: ${outcome.kind === "invalid-payload" ? outcome.issues.message : outcome.kind}`);
    default:
      return outcome satisfies never;
  }
}
