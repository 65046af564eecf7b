import { DEMO_TASK_STEPS } from "@clementine/shared";
import { useState } from "preact/hooks";
import { api, ApiError, type Services } from "./firebase.js";
import { field } from "./format.js";
import { go } from "./route.js";

/** Starts the demo task with every option the spec's scenarios need, then opens the run. */
export function StartDemo({ services, project }: { services: Services; project: string }) {
  const [error, setError] = useState<string | null>(null);
  const [note, setNote] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = (form: FormData) => {
    const text = (name: string) => field(form, name);
    const number = (name: string) => (text(name) === "" ? undefined : Number(text(name)));
    const fails = form.get("simulateFailure") === "on";
    const schedule = text("retryDelaysMs");
    const payload = {
      ...(text("taskId") ? { taskId: text("taskId") } : {}),
      simulateFailure: fails,
      ...(fails ? { failAtStep: text("failAtStep"), failure: text("failure"), ...(number("failTimes") !== undefined ? { failTimes: number("failTimes") } : {}), ...(number("failForMs") !== undefined ? { failForMs: number("failForMs") } : {}) } : {}),
      delayMs: number("delayMs") ?? 1000,
      ...(number("apiLatencyMs") ? { apiLatencyMs: number("apiLatencyMs") } : {}),
      ...(schedule ? { retryDelaysMs: schedule.split(/[,\s]+/).filter(Boolean).map(Number) } : {}),
    };
    const body = { payload, force: form.get("force") === "on", ...(number("priority") !== undefined ? { priority: number("priority") } : {}), ...(number("startDelayMs") ? { delayMs: number("startDelayMs") } : {}) };
    setBusy(true);
    setError(null);
    setNote(null);
    api<{ runId: string; deduplicated: boolean }>(services.auth, "POST", `/projects/${encodeURIComponent(project)}/pipelines/demo-task/runs`, body)
      .then(({ body: started }) => {
        if (started.deduplicated) setNote("A run with this task id is still pending or running: opening it (tick “force” to start another).");
        go({ view: "run", runId: started.runId });
      })
      .catch((err: unknown) => setError(err instanceof ApiError ? err.message : String(err)))
      .finally(() => setBusy(false));
  };
  return (
    <section>
      <h1>Start a demo task</h1>
      <p class="hint">Five steps (initialize → process → simulate-delay → simulate-api-call → finalize) with no business logic: they prove retries, memoized steps, durable sleeps, rate limits and the queue.</p>
      <form
        class="start"
        onSubmit={(e) => {
          e.preventDefault();
          submit(new FormData(e.currentTarget));
        }}
      >
        <fieldset>
          <legend>Task</legend>
          <label>
            Task id (dedup key) <input name="taskId" placeholder="e.g. track-42" />
          </label>
          <label class="check">
            <input type="checkbox" name="force" /> force a new run even if one with this id is live
          </label>
          <label>
            Priority <input name="priority" type="number" min={-100} max={100} placeholder="0" />
          </label>
          <label>
            Start after (ms) <input name="startDelayMs" type="number" min={0} placeholder="0: now" />
          </label>
          <label>
            Sleep in simulate-delay (ms) <input name="delayMs" type="number" min={0} placeholder="1000" />
          </label>
          <label>
            API call takes (ms) <input name="apiLatencyMs" type="number" min={0} max={30000} placeholder="0" />
          </label>
        </fieldset>
        <fieldset>
          <legend>Failure</legend>
          <label class="check">
            <input type="checkbox" name="simulateFailure" defaultChecked /> make a step fail
          </label>
          <label>
            At step
            <select name="failAtStep">
              {DEMO_TASK_STEPS.map((s) => (
                <option value={s} selected={s === "simulate-api-call"}>
                  {s}
                </option>
              ))}
            </select>
          </label>
          <label>
            Kind
            <select name="failure">
              <option value="transient">transient (retried)</option>
              <option value="permanent">permanent (fails at once)</option>
            </select>
          </label>
          <label>
            Clears after attempts <input name="failTimes" type="number" min={1} placeholder="never" />
          </label>
          <label>
            …or an outage of (ms) <input name="failForMs" type="number" min={1} placeholder="none" />
          </label>
          <label>
            Retry schedule (ms) <input name="retryDelaysMs" placeholder="5 min, 15 min, 1 h, 4 h, 14 h" defaultValue="2000, 4000" />
          </label>
        </fieldset>
        {error && <p class="error" data-testid="start-error">{error}</p>}
        {note && <p class="hint">{note}</p>}
        <button type="submit" disabled={busy}>
          {busy ? "Starting…" : "Start"}
        </button>
      </form>
    </section>
  );
}
