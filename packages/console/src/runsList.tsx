import type { RunStatus } from "@clementine/shared";
import { collection, limit, onSnapshot, orderBy, query, Timestamp, where, type QueryConstraint } from "firebase/firestore";
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import type { Services } from "./firebase.js";
import { PIPELINES } from "./pipelines.js";
import { duration, ms, when, type Stamp } from "./format.js";
import { go, href, useKeys } from "./route.js";

/** A run as the list needs it (the rest stays in Firestore until opened). */
interface RunRow {
  runId: string;
  pipeline: string;
  status: RunStatus;
  dedupKey: string | null;
  correlationId: string | null;
  priority: number;
  createdAt: Stamp;
  startedAt: Stamp | null;
  finishedAt: Stamp | null;
  error: { code: string; message: string; step: string | null } | null;
  progress: { completedSteps: number; totalSteps: number };
  waiting: boolean;
}

const STATUSES: RunStatus[] = ["pending", "running", "completed", "failed", "cancelled"];
const PAGE = 100;

interface Filters {
  status: RunStatus | "";
  pipeline: string;
  key: string;
  from: string;
  to: string;
}

/**
 * Every pipeline's runs in the project, newest first, live: a Firestore
 * listener on the query the filters make (each has its composite index). The
 * dead-letter view is the same list, held to failed runs.
 */
export function RunsList({ services, project, deadLetters }: { services: Services; project: string; deadLetters: boolean }) {
  const [filters, setFilters] = useState<Filters>({ status: "", pipeline: "", key: "", from: "", to: "" });
  const [rows, setRows] = useState<RunRow[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [selected, setSelected] = useState(0);
  const keyInput = useRef<HTMLInputElement>(null);
  const status = deadLetters ? "failed" : filters.status;

  useEffect(() => {
    const constraints: QueryConstraint[] = [where("projectId", "==", project)];
    if (filters.pipeline) constraints.push(where("pipeline", "==", filters.pipeline));
    if (status) constraints.push(where("status", "==", status));
    if (filters.key) constraints.push(where("dedupKey", "==", filters.key));
    if (filters.from) constraints.push(where("createdAt", ">=", Timestamp.fromDate(new Date(filters.from))));
    if (filters.to) constraints.push(where("createdAt", "<", Timestamp.fromDate(new Date(filters.to))));
    setRows(null);
    setError(null);
    return onSnapshot(
      query(collection(services.db, "runs"), ...constraints, orderBy("createdAt", "desc"), limit(PAGE)),
      (snap) => setRows(snap.docs.map((d) => ({ runId: d.id, ...(d.data() as Omit<RunRow, "runId" | "waiting">), waiting: d.get("admission.waiting") === true }))),
      (err) => setError(err.message),
    );
  }, [services, project, filters, status]);

  const shown = rows ?? [];
  useKeys(
    {
      j: () => setSelected((i) => Math.min(i + 1, shown.length - 1)),
      k: () => setSelected((i) => Math.max(i - 1, 0)),
      Enter: () => shown[selected] && go({ view: "run", runId: shown[selected].runId }),
      "/": () => keyInput.current?.focus(),
      Escape: () => (document.activeElement as HTMLElement | null)?.blur(),
    },
    [shown, selected],
  );
  const counts = useMemo(() => Object.fromEntries(STATUSES.map((s) => [s, shown.filter((r) => r.status === s).length])), [shown]);
  const set = (patch: Partial<Filters>) => {
    setSelected(0);
    setFilters((f) => ({ ...f, ...patch }));
  };

  return (
    <section>
      <h1>{deadLetters ? "Dead letters" : "Runs"}</h1>
      {deadLetters && <p class="hint">Runs that failed for good (out of retries, not retryable, or past their timeout). Open one to retry it from the failed step or replay it as a new run.</p>}
      <div class="filters">
        {!deadLetters && (
          <label>
            Status
            <select value={filters.status} onChange={(e) => set({ status: e.currentTarget.value as Filters["status"] })}>
              <option value="">any</option>
              {STATUSES.map((s) => (
                <option value={s}>{s}</option>
              ))}
            </select>
          </label>
        )}
        <label>
          Pipeline
          <select value={filters.pipeline} onChange={(e) => set({ pipeline: e.currentTarget.value })}>
            <option value="">any</option>
            {PIPELINES.map((p) => (
              <option value={p}>{p}</option>
            ))}
          </select>
        </label>
        <label>
          Key <input ref={keyInput} placeholder="dedup key  /" value={filters.key} onChange={(e) => set({ key: e.currentTarget.value.trim() })} />
        </label>
        <label>
          From <input type="datetime-local" value={filters.from} onChange={(e) => set({ from: e.currentTarget.value })} />
        </label>
        <label>
          To <input type="datetime-local" value={filters.to} onChange={(e) => set({ to: e.currentTarget.value })} />
        </label>
        <span class="counts">
          {STATUSES.filter((s) => counts[s]).map((s) => (
            <span class={`badge ${s}`}>
              {counts[s]} {s}
            </span>
          ))}
        </span>
      </div>
      {error && <p class="error">{error}</p>}
      {rows === null && !error ? (
        <p class="loading">Loading runs…</p>
      ) : shown.length === 0 ? (
        <p class="empty">No runs match.</p>
      ) : (
        <table class="runs">
          <thead>
            <tr>
              <th>Status</th>
              <th>Pipeline</th>
              <th>Key</th>
              <th>Priority</th>
              <th>Progress</th>
              <th>Created</th>
              <th>Duration</th>
              <th>{deadLetters ? "Reason" : "Run"}</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((run, i) => (
              <tr key={run.runId} class={i === selected ? "selected" : ""} data-run={run.runId} data-status={run.status} onClick={() => go({ view: "run", runId: run.runId })}>
                <td>
                  <span class={`badge ${run.status}`}>{run.waiting && run.status !== "failed" ? "queued" : run.status}</span>
                </td>
                <td>{run.pipeline}</td>
                <td class="mono">{run.dedupKey ?? run.correlationId ?? "–"}</td>
                <td>{run.priority}</td>
                <td>
                  {run.progress.completedSteps}/{run.progress.totalSteps}
                </td>
                <td>{when(run.createdAt)}</td>
                <td>{duration(ms(run.startedAt), ms(run.finishedAt))}</td>
                <td class={deadLetters ? "reason" : "mono"}>
                  {deadLetters ? `${run.error?.step ? `${run.error.step}: ` : ""}${run.error?.message ?? ""}` : <a href={href({ view: "run", runId: run.runId })}>{run.runId}</a>}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <p class="keys">
        <kbd>j</kbd>/<kbd>k</kbd> move · <kbd>Enter</kbd> open · <kbd>/</kbd> filter by key · newest {PAGE} shown, live
      </p>
    </section>
  );
}
