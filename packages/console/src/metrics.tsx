import type { ChartConfiguration } from "chart.js";
import { collection, limit, onSnapshot, orderBy, query, where } from "firebase/firestore";
import { useEffect, useMemo, useState } from "preact/hooks";
import { ChartView } from "./chart.js";
import { api, type Services } from "./firebase.js";
import { PIPELINES } from "./pipelines.js";
import type { Stamp } from "./format.js";

interface Minute {
  minute: Stamp;
  waiting: number;
  running: number;
  completed: number;
  failed: number;
  failureRate: number;
}
interface Counts {
  waiting: number;
  running: number;
  completed: number;
  failed: number;
  cancelled: number;
}
const HOUR = 60;

/**
 * A pipeline's queue over the last hour: the per-minute documents the
 * scheduler writes (a listener, so a new minute appears as it is recorded),
 * and its counts now, from the admin API's aggregation queries.
 */
export function Metrics({ services, project }: { services: Services; project: string }) {
  const [pipeline, setPipeline] = useState<string>(PIPELINES[0]);
  const [minutes, setMinutes] = useState<Minute[]>([]);
  const [counts, setCounts] = useState<Counts | null>(null);
  useEffect(
    () =>
      onSnapshot(query(collection(services.db, "projects", project, "metrics"), where("pipeline", "==", pipeline), orderBy("minute", "desc"), limit(HOUR)), (snap) =>
        setMinutes(snap.docs.map((d) => d.data() as Minute).reverse()),
      ),
    [services, project, pipeline],
  );
  useEffect(() => {
    setCounts(null);
    api<Counts>(services.auth, "GET", `/projects/${encodeURIComponent(project)}/pipelines/${pipeline}/stats`)
      .then(({ body }) => setCounts(body))
      .catch(() => setCounts(null));
  }, [services, project, pipeline, minutes.length]);

  const labels = minutes.map((m) => new Date(m.minute.toMillis()).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }));
  const line = (title: string, series: Array<{ label: string; color: string; data: number[] }>, yTitle: string, max?: number): ChartConfiguration => ({
    type: "line",
    data: { labels, datasets: series.map((s) => ({ label: s.label, data: s.data, borderColor: s.color, backgroundColor: `${s.color}33`, fill: true, tension: 0.25, pointRadius: 2 })) },
    options: { plugins: { title: { display: true, text: title } }, scales: { y: { beginAtZero: true, ...(max !== undefined ? { max } : {}), title: { display: true, text: yTitle } } } },
  });
  const depth = useMemo(() => line("Queue depth", [{ label: "waiting", color: "#c69026", data: minutes.map((m) => m.waiting) }, { label: "running", color: "#4c8dff", data: minutes.map((m) => m.running) }], "runs"), [minutes]);
  const throughput = useMemo(() => line("Throughput", [{ label: "completed / min", color: "#3fb68b", data: minutes.map((m) => m.completed) }, { label: "failed / min", color: "#e5534b", data: minutes.map((m) => m.failed) }], "runs per minute"), [minutes]);
  const failures = useMemo(() => line("Failure rate", [{ label: "failed / ended", color: "#e5534b", data: minutes.map((m) => Math.round(m.failureRate * 100)) }], "%", 100), [minutes]);

  return (
    <section>
      <h1>Metrics</h1>
      <div class="filters">
        <label>
          Pipeline
          <select value={pipeline} onChange={(e) => setPipeline(e.currentTarget.value)}>
            {PIPELINES.map((p) => (
              <option value={p}>{p}</option>
            ))}
          </select>
        </label>
        {counts && (
          <span class="counts" data-testid="counts">
            <span class="badge pending">{counts.waiting} waiting</span>
            <span class="badge running">{counts.running} running</span>
            <span class="badge completed">{counts.completed} completed</span>
            <span class="badge failed">{counts.failed} failed</span>
          </span>
        )}
      </div>
      {minutes.length === 0 ? (
        <p class="empty">No minute recorded yet for {pipeline}: the scheduler writes one a minute once the pipeline has runs.</p>
      ) : (
        <div class="charts">
          <ChartView config={depth} height={220} label="Waiting and running runs per minute" />
          <ChartView config={throughput} height={220} label="Runs completed and failed per minute" />
          <ChartView config={failures} height={220} label="Share of ended runs that failed, per minute" />
        </div>
      )}
    </section>
  );
}
