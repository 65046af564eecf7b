// A stand-in for the external AI service (the ai-queue spec's Python worker),
// for the local stack, the tests and the bench: it implements the contract in
// @clementine/shared (AiAnalyzeRequest → AssetMetadata, or an AiErrorBody),
// fetches the image it is given, and fails on request.
//
//   npx tsx tools/src/aiService.ts [--port 8091]
//
// Failures are injected per asset (a script of outcomes, one per call) or by
// rate, in process or over HTTP (`POST /control`), and calls are counted per
// asset (`GET /control/calls`).
import { AiAnalyzeRequest, AssetMetadata, sniffImageType, type AssetCategory } from "@clementine/shared";
import { createHash } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { pathToFileURL } from "node:url";

export const AI_SERVICE_PORT = 8091;

/**
 * What one call does: `ok` answers with metadata; `unavailable` is a 503;
 * `slow` answers after `slowMs` (past the caller's timeout); `corrupted` is a
 * 422 as for an unreadable image; `reset` drops the connection unanswered.
 */
export const OUTCOMES = ["ok", "unavailable", "slow", "corrupted", "reset"] as const;
export type Outcome = (typeof OUTCOMES)[number];

export interface Control {
  /** Outcomes for an asset's next calls, in order; once spent, calls behave normally. */
  script?: Record<string, Outcome[]>;
  /** This share of calls not scripted (0 to 1) fail with `rateOutcome`. */
  failRate?: number;
  rateOutcome?: Outcome;
  slowMs?: number;
  /** Every answer that got as far as the image waits this long once it has fetched it: a model's working time. */
  latencyMs?: number;
  /** While true, answers that got as far as the image wait (a backlog forms behind them); false lets them all go. */
  hold?: boolean;
}

export interface Call {
  assetId: string;
  /** Epoch ms the call arrived. */
  at: number;
  outcome: Outcome;
  /** Epoch ms the answer went (or the connection was dropped); null while the call is in progress. */
  doneAt: number | null;
}

export interface AiService {
  url: string;
  control(control: Control): void;
  /** Calls received per asset id. */
  calls(): Record<string, number>;
  /** Every call, in the order they arrived. */
  log(): Call[];
  /** Lets the `count` longest-held calls answer (the rest stay held while `hold` is on). */
  release(count: number): void;
  /** How many calls are held now. */
  held(): number;
  reset(): void;
  /** Stops listening for `ms` (connections are refused), then listens again on the same port. */
  refuseFor(ms: number): Promise<void>;
  stop(): Promise<void>;
}

const BRANDS: Record<AssetCategory, string[]> = {
  "trading-card": ["Topps", "Panini", "Upper Deck", "Wizards of the Coast"],
  coin: ["US Mint", "Royal Mint", "Perth Mint"],
  stamp: ["Royal Mail", "USPS", "Deutsche Post"],
  comic: ["Marvel", "DC", "Image"],
  figure: ["Hasbro", "Funko", "Bandai"],
  watch: ["Omega", "Seiko", "Rolex", "Casio"],
  sneaker: ["Nike", "Adidas", "New Balance"],
  other: ["Unknown maker"],
};

/** Plausible metadata, the same for the same image and category (a repeated call gives the same answer). */
export function describeImage(bytes: Uint8Array, category: AssetCategory): AssetMetadata {
  const digest = createHash("sha256").update(bytes).update(category).digest();
  const pick = <T>(xs: readonly T[], i: number) => xs[digest[i]! % xs.length]!;
  const score = (i: number) => Math.round((0.6 + (digest[i]! / 255) * 0.39) * 100) / 100;
  const brand = pick(BRANDS[category], 0);
  const confidence = { brand: score(1), model: score(2), overall: 0 };
  confidence.overall = Math.round(Math.min(confidence.brand, confidence.model) * 100) / 100;
  return AssetMetadata.parse({
    brand,
    model: `${brand.split(" ")[0]} ${String.fromCharCode(65 + (digest[3]! % 26))}${100 + (digest[4]! % 900)}`,
    category,
    year: 1950 + (digest[5]! % 75),
    confidence,
    labels: [category, brand.toLowerCase()],
  });
}

/** An image whose bytes start as an image but do not end as one (a cut-off upload). */
export function isTruncated(bytes: Uint8Array): boolean {
  const type = sniffImageType(bytes);
  const tail = (xs: number[]) => xs.every((b, i) => bytes[bytes.length - xs.length + i] === b);
  if (type === "image/jpeg") return !tail([0xff, 0xd9]);
  if (type === "image/png") return !tail([0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82]);
  return false;
}

export async function startAiService({ port = AI_SERVICE_PORT, host = "127.0.0.1" }: { port?: number; host?: string } = {}): Promise<AiService> {
  const initial = (): Required<Omit<Control, "script">> & { script: Record<string, Outcome[]> } => ({ script: {}, failRate: 0, rateOutcome: "unavailable", slowMs: 60_000, latencyMs: 0, hold: false });
  let control = initial();
  let calls: Record<string, number> = {};
  let log: Call[] = [];
  const sockets = new Set<Socket>();
  const pending = new Set<NodeJS.Timeout>();
  /** Calls waiting for `hold` to end. */
  const released = new Set<() => void>();
  const release = (count = Infinity) => {
    for (const resolve of [...released].slice(0, count)) {
      released.delete(resolve);
      resolve();
    }
  };

  const json = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
  };
  const fail = (res: ServerResponse, status: number, code: string, message: string) => json(res, status, { error: { code, message } });

  async function analyze(req: IncomingMessage, res: ServerResponse) {
    const parsed = AiAnalyzeRequest.safeParse(await readJson(req));
    if (!parsed.success) return fail(res, 400, "INVALID_REQUEST", parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; "));
    const { assetId, imageUrl, category } = parsed.data;
    calls[assetId] = (calls[assetId] ?? 0) + 1;
    const outcome = control.script[assetId]?.shift() ?? (Math.random() < control.failRate ? control.rateOutcome : "ok");
    const call: Call = { assetId, at: Date.now(), outcome, doneAt: null };
    log.push(call);
    res.on("close", () => (call.doneAt = Date.now()));
    if (outcome === "reset") return req.socket.destroy();
    if (outcome === "unavailable") return fail(res, 503, "UNAVAILABLE", "the model is overloaded; try again");
    if (outcome === "corrupted") return fail(res, 422, "IMAGE_UNREADABLE", "the image could not be decoded");
    const image = await fetch(imageUrl, { signal: AbortSignal.timeout(10_000) }).catch(() => null);
    if (!image?.ok) return fail(res, 422, "IMAGE_UNREACHABLE", `the image URL answered ${image?.status ?? "nothing"}`);
    const bytes = new Uint8Array(await image.arrayBuffer());
    if (!sniffImageType(bytes) || isTruncated(bytes)) return fail(res, 422, "IMAGE_UNREADABLE", "the image could not be decoded");
    // The model's working time, once it has the image.
    if (control.latencyMs > 0) await wait(control.latencyMs);
    if (control.hold) await new Promise<void>((resolve) => released.add(resolve));
    const reply = () => json(res, 200, describeImage(bytes, category));
    if (outcome !== "slow") return reply();
    await wait(control.slowMs);
    if (!res.destroyed) reply();
  }

  /** A pause that `stop` cuts short (its call's socket is gone by then). */
  function wait(ms: number) {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        pending.delete(timer);
        resolve();
      }, ms);
      pending.add(timer);
    });
  }

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const path = new URL(req.url ?? "/", "http://x").pathname;
    if (req.method === "POST" && path === "/v1/analyze") return analyze(req, res);
    if (req.method === "POST" && path === "/control") {
      const body = (await readJson(req)) as Control & { reset?: boolean };
      if (body.reset) service.reset();
      service.control(body);
      return json(res, 200, { ok: true });
    }
    if (req.method === "GET" && path === "/control/calls") return json(res, 200, calls);
    if (req.method === "GET" && path === "/control/log") return json(res, 200, log);
    if (req.method === "GET" && path === "/health") return json(res, 200, { ok: true });
    return fail(res, 404, "NOT_FOUND", "no such route");
  }

  let server: Server = listen();
  let reopening: NodeJS.Timeout | undefined;
  function listen(): Server {
    const s = createServer((req, res) => {
      handle(req, res).catch((error: unknown) => fail(res, 500, "INTERNAL", String(error)));
    });
    s.on("connection", (socket) => {
      sockets.add(socket);
      socket.on("close", () => sockets.delete(socket));
    });
    return s;
  }
  async function open(s: Server) {
    await new Promise<void>((resolve, reject) => {
      s.once("error", reject);
      s.listen(port, host, () => resolve());
    });
  }
  async function close() {
    release();
    for (const timer of pending) clearTimeout(timer);
    pending.clear();
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
  await open(server);
  port = (server.address() as AddressInfo).port;

  const service: AiService = {
    url: `http://${host}:${port}`,
    control(next) {
      if (next.hold === false) release();
      control = { ...control, ...next, script: { ...control.script, ...Object.fromEntries(Object.entries(next.script ?? {}).map(([k, v]) => [k, [...v]])) } };
    },
    calls: () => ({ ...calls }),
    log: () => log.map((c) => ({ ...c })),
    release: (count) => release(count),
    held: () => released.size,
    reset() {
      release();
      control = initial();
      calls = {};
      log = [];
    },
    async refuseFor(ms) {
      await close();
      reopening = setTimeout(() => {
        server = listen();
        void open(server);
      }, ms);
    },
    async stop() {
      clearTimeout(reopening);
      await close();
    },
  };
  return service;
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > 64 * 1024) throw new Error("request body too large");
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString("utf8")) as unknown;
  } catch {
    return null;
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const at = process.argv.indexOf("--port");
  const service = await startAiService({ port: at > 0 ? Number(process.argv[at + 1]) : AI_SERVICE_PORT });
  console.log(`Stand-in AI service on ${service.url} (POST /v1/analyze; POST /control to inject failures). Ctrl-C stops it.`);
  const stop = () => void service.stop().then(() => process.exit(0));
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}
