import type { ChartConfiguration, TooltipItem } from "chart.js";
import { collection, doc, onSnapshot, orderBy, query } from "firebase/firestore";
import { useEffect, useMemo, useState } from "preact/hooks";
import { ChartView } from "./chart.js";
import { api, ApiError, type Services } from "./firebase.js";
import { duration, json, ms, when, type Stamp } from "./format.js";
import { go, useKeys } from "./route.js";
import { waterfall, type EventLike, type SegmentKind } from "./waterfall.js";

interface StepDoc {
  status: string;
  attempts: number;
  output: unknown;
  error: { message: string; detail: string } | null;
  startedAt: Stamp | null;
  finishedAt: Stamp | null;
  wakeAt: Stamp | null;
  progress: { done: number; total: number } | null;
}
interface RunDoc {
  pipeline: string;
  status: string;
  payload: unknown;
  dedupKey: string | null;
  priority: number;
  replayOf: string | null;
  steps: Record<string, StepDoc>;
  error: { code: string; message: string; detail: string; step: string | null } | null;
  createdAt: Stamp;
  startedAt: Stamp | null;
  finishedAt: Stamp | null;
  startAt: Stamp | null;
  admission: { waiting: boolean } | null;
}
interface EventDoc extends EventLike {
  error: { message: string } | null;
  stepProgress: { done: number; total: number } | null;
}

const COLORS: Record<SegmentKind, string> = {
  completed: "#3fb68b",
  failed: "#e5534b",
  running: "#4c8dff",
  waiting: "#5b6472",
  throttled: "#c69026",
  sleeping: "#7d6bd6",
};
const LABELS: Record<SegmentKind, string> = { completed: "attempt, completed", failed: "attempt, failed", running: "attempt, running", waiting: "retry backoff", throttled: "rate limit wait", sleeping: "durable sleep" };

/** One run, live: its waterfall, its steps' input, output and error, its event log, and what an admin may do with it. */
export function RunDetail({ services, runId }: { services: Services; runId: string }) {
  const [run, setRun] = useState<RunDoc | null | undefined>(undefined);
  const [events, setEvents] = useState<EventDoc[]>([]);
  const [now, setNow] = useState(Date.now());
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  useEffect(() => {
    const ref = doc(services.db, "runs", runId);
    const stopRun = onSnapshot(ref, (snap) => setRun(snap.exists() ? (snap.data() as RunDoc) : null), () => setRun(null));
    const stopEvents = onSnapshot(query(collection(ref, "events"), orderBy("seq")), (snap) => setEvents(snap.docs.map((d) => d.data() as EventDoc)));
    return () => {
      stopRun();
      stopEvents();
    };
  }, [services, runId]);
  const live = run?.status === "pending" || run?.status === "running";
  // A running step's bar grows with the clock while the run is live.
  useEffect(() => {
    if (!live) return;
    const timer = setInterval(() => setNow(Date.now()), 500);
    return () => clearInterval(timer);
  }, [live]);
  useKeys({ Escape: () => go({ view: "runs" }) });

  const origin = ms(run?.startedAt) ?? ms(run?.createdAt) ?? 0;
  const order = useMemo(() => Object.entries(run?.steps ?? {}).sort(([, a], [, b]) => (ms(a.startedAt) ?? Infinity) - (ms(b.startedAt) ?? Infinity)).map(([name]) => name), [run]);
  const chart = useMemo<ChartConfiguration>(() => {
    const segments = waterfall(run?.steps ?? {}, events, live ? now : (ms(run?.finishedAt) ?? now));
    const kinds = [...new Set(segments.map((s) => s.kind))];
    return {
      type: "bar",
      data: {
        labels: order,
        datasets: kinds.map((kind) => ({
          label: LABELS[kind],
          backgroundColor: COLORS[kind],
          grouped: false,
          barPercentage: 0.7,
          data: segments.filter((s) => s.kind === kind).map((s) => ({ x: [(s.from - origin) / 1000, Math.max(s.to - origin, s.from - origin + 40) / 1000], y: s.step })),
        })),
      },
      options: {
        indexAxis: "y",
        scales: { x: { type: "linear", min: 0, title: { display: true, text: "seconds since the run started" } }, y: { type: "category" } },
        plugins: { legend: { position: "bottom" }, tooltip: { callbacks: { label: (item: TooltipItem<"bar">) => { const [a, b] = (item.raw as { x: [number, number] }).x; return `${item.dataset.label ?? ""}: ${a.toFixed(2)}–${b.toFixed(2)} s`; } } } },
      },
    } as unknown as ChartConfiguration;
  }, [run, events, now, live, order, origin]);

  if (run === undefined) return <p class="loading">Loading run…</p>;
  if (run === null) return <p class="notice">No run {runId} (or it is not one of this project's).</p>;

  const act = (action: "retry" | "replay" | "cancel") => {
    setMessage(null);
    api<{ runId: string }>(services.auth, "POST", `/runs/${encodeURIComponent(runId)}/${action}`, {})
      .then(({ body }) => {
        if (action === "replay") go({ view: "run", runId: body.runId });
        else setMessage({ ok: true, text: action === "retry" ? "Retried from the failed step." : "Cancelled." });
      })
      .catch((error: unknown) => setMessage({ ok: false, text: error instanceof ApiError ? error.message : String(error) }));
  };
  const ended = !live;
  return (
    <section class="detail">
      <h1>
        <a href="#/runs" class="back" title="Back (Esc)">
          ←
        </a>{" "}
        {run.pipeline} <span class="mono">{runId}</span> <span class={`badge ${run.status}`} data-testid="run-status">{run.status}</span>
      </h1>
      <dl class="facts">
        <dt>Created</dt>
        <dd>{when(run.createdAt)}</dd>
        <dt>Started</dt>
        <dd>{when(run.startedAt)}</dd>
        <dt>Duration</dt>
        <dd>{duration(ms(run.startedAt), ms(run.finishedAt))}</dd>
        <dt>Key</dt>
        <dd class="mono">{run.dedupKey ?? "–"}</dd>
        <dt>Priority</dt>
        <dd>{run.priority}</dd>
        {run.startAt && (
          <>
            <dt>Starts at</dt>
            <dd>{when(run.startAt)}</dd>
          </>
        )}
        {run.replayOf && (
          <>
            <dt>Replay of</dt>
            <dd>
              <a class="mono" href={`#/runs/${run.replayOf}`}>
                {run.replayOf}
              </a>
            </dd>
          </>
        )}
      </dl>
      <div class="actions">
        <button disabled={run.status !== "failed"} onClick={() => act("retry")}>
          Retry from failure
        </button>
        <button disabled={!ended} onClick={() => act("replay")}>
          Replay
        </button>
        <button class="danger" disabled={!live} onClick={() => act("cancel")}>
          Cancel
        </button>
        {message && <span class={message.ok ? "ok" : "error"}>{message.text}</span>}
        {run.admission?.waiting && live && <span class="hint">Waiting for a slot of the pipeline's concurrency limit.</span>}
      </div>
      {run.error && (
        <div class="failure" data-testid="run-error">
          <b>{run.error.code}</b>
          {run.error.step ? ` at ${run.error.step}` : ""}: {run.error.message}
          <pre>{run.error.detail}</pre>
        </div>
      )}
      <h2>Waterfall</h2>
      <ChartView config={chart} height={Math.max(140, 46 * order.length + 70)} label="Each step's attempts and waits on a time axis" />
      <h2>Steps</h2>
      <p class="hint">Input of the run (every step reads it, with its dependencies' outputs):</p>
      <pre class="json">{json(run.payload)}</pre>
      <table class="steps">
        <thead>
          <tr>
            <th>Step</th>
            <th>Status</th>
            <th>Attempts</th>
            <th>Took</th>
            <th>Output / error</th>
          </tr>
        </thead>
        <tbody>
          {order.map((name) => {
            const step = run.steps[name]!;
            return (
              <tr data-step={name}>
                <td class="mono">{name}</td>
                <td>
                  <span class={`badge ${step.status}`}>{step.status}</span>
                  {step.progress && ` ${step.progress.done}/${step.progress.total}`}
                </td>
                <td>{step.attempts}</td>
                <td>{duration(ms(step.startedAt), ms(step.finishedAt))}</td>
                <td>
                  {step.error ? <pre class="error">{step.error.detail || step.error.message}</pre> : step.output != null ? <pre class="json">{json(step.output)}</pre> : "–"}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <h2>Event log</h2>
      <ol class="events">
        {events.map((e) => (
          <li data-type={e.type}>
            <span class="mono">+{((e.at.toMillis() - origin) / 1000).toFixed(2)} s</span> <b>{e.type.replace("pipeline:", "")}</b> {e.step && <span class="mono">{e.step}</span>}
            {e.retryAt && <span> until {when(e.retryAt)}</span>}
            {e.stepProgress && (
              <span>
                {" "}
                {e.stepProgress.done}/{e.stepProgress.total}
              </span>
            )}
            {e.error && <span class="error"> {e.error.message}</span>}
          </li>
        ))}
      </ol>
    </section>
  );
}
