import type { RunRecord } from "@clementine/shared";
import {
  completeStep,
  failAttempt,
  finishSleep,
  isRetryable,
  needsOf,
  nextMove,
  publicErrorOf,
  reportProgress,
  startAttempt,
  startSleep,
  stepIn,
  StepOutputError,
  throttleStep,
  type StepGraph,
  type StepSpec,
} from "@clementine/pipeline";
import { Timestamp } from "firebase-admin/firestore";
import { logger } from "firebase-functions";
import { randomUUID } from "node:crypto";
import { describeError } from "../core/jobErrors.js";
import { leaseMs, type Engine, type Pipeline } from "./engine.js";
import type { RunHolder } from "./runHolder.js";
import { runError } from "./runErrors.js";
import { takeLease, type TakeOutcome } from "./takeLease.js";
import { takeToken } from "./rateLimiter.js";
import { sendWakeUp } from "./wakeUp.js";

/** How often a step's progress reports are committed, at most. */
const PROGRESS_EVERY_MS = 250;

export type ExecuteOutcome =
  | { kind: "skipped"; reason: Extract<TakeOutcome, { kind: "skipped" }>["reason"] }
  | { kind: "completed" | "failed" | "parked" | "continued" | "lost" };

/** Hooks for tests that must stop an invocation at a named point, as a crash would. */
export interface ExecuteHooks {
  /** Called before a step's work starts; throwing `SimulatedCrash` abandons the invocation unrecorded, as a dead process would. */
  beforeStep?: (step: string) => void | Promise<void>;
  /** Called once a step's work succeeded, before it is recorded: throwing `SimulatedCrash` here plays a process that died mid-call. */
  afterStep?: (step: string) => void | Promise<void>;
}

/** What a test hook throws to play a process that died: nothing is recorded, the lease stays until it expires. */
export class SimulatedCrash extends Error {
  override name = "SimulatedCrash";
}

/**
 * One delivery of a run: take the lease, then execute every step that can run
 * (independent ones concurrently), recording each as it finishes, until the
 * run ends, has to wait (a retry, a sleep), or this invocation's time budget
 * is spent. Never throws for a run's own failure: that is recorded.
 */
export async function executeRun(engine: Engine, runId: string, hooks: ExecuteHooks = {}): Promise<ExecuteOutcome> {
  const holderId = randomUUID();
  const taken = await takeLease(engine, runId, holderId);
  if (taken.kind === "skipped") return taken;
  const log = { runId, pipeline: taken.holder.record.pipeline, holder: holderId };
  return new Execution(engine, taken.pipeline, taken.graph, taken.holder, log, hooks).run();
}

class Execution {
  private readonly inFlight = new Map<string, Promise<void>>();
  private readonly started: number;
  private readonly controller = new AbortController();
  private ended: ExecuteOutcome | null = null;
  private readonly progressAt = new Map<string, number>();

  constructor(
    private readonly engine: Engine,
    private readonly pipeline: Pipeline<unknown>,
    private readonly graph: StepGraph<unknown>,
    private readonly holder: RunHolder,
    private readonly log: Record<string, unknown>,
    private readonly hooks: ExecuteHooks,
  ) {
    this.started = engine.now();
  }

  async run(): Promise<ExecuteOutcome> {
    const deadline = this.holder.record.deadlineAt!.toMillis();
    let timedOut = false;
    let outOfTime = false;
    const timer = setTimeout(() => {
      timedOut = true;
      this.controller.abort(new Error("run timeout"));
    }, Math.max(0, deadline - this.engine.now()));
    // The function's own timeout comes before any step's end: stop the steps and hand over while there is time to record it.
    const hardStop = setTimeout(() => {
      outOfTime = true;
      this.controller.abort(new Error("invocation out of time"));
    }, this.engine.maxInvocationMs);
    // A step may outlast the lease: while this invocation lives, it keeps the lease alive.
    const renewal = setInterval(() => void this.renewLease(), leaseMs(this.engine) / 3);
    try {
      while (!this.ended) {
        if (this.holder.lost) return { kind: "lost" };
        const now = this.engine.now();
        if (outOfTime && !timedOut) {
          await this.handOver();
          break;
        }
        if (timedOut || now >= deadline) {
          // Named after the first unfinished step: the one that overran (or would have run next).
          const overran = this.graph.steps.find((s) => stepIn(this.holder.steps, s.name).status !== "completed")?.name ?? null;
          await this.finish("failed", runError("TIMEOUT", `ran past its ${this.pipeline.definition.timeoutSeconds} s timeout${overran ? ` (at step ${overran})` : ""}`, overran));
          break;
        }
        const move = nextMove(this.graph, this.holder.steps, now, new Set(this.inFlight.keys()));
        switch (move.kind) {
          case "run":
            if (now - this.started >= this.engine.invocationBudgetMs) {
              await this.handOver();
              break;
            }
            for (const name of move.steps) this.launch(name);
            break;
          case "busy":
            // Until a step settles; each races the abort signal, so a timeout settles them too.
            await Promise.race(this.inFlight.values());
            break;
          case "wait":
            // A run that will time out before then is woken at its deadline, to be failed.
            await this.park(Math.min(move.until, deadline));
            break;
          case "completed":
            await this.finish("completed", null);
            break;
          case "failed": {
            const step = stepIn(this.holder.steps, move.step);
            await this.finish("failed", runError("STEP_FAILED", step.error?.detail ?? "", move.step));
            break;
          }
          default:
            move satisfies never;
        }
      }
      return this.ended ?? { kind: "lost" };
    } catch (error) {
      if (error instanceof SimulatedCrash) throw error;
      // Firestore failed us (not the run): give the run back at once rather than hold it until the lease expires.
      logger.error("run.execution_error", { ...this.log, detail: describeError(error) });
      clearInterval(renewal);
      this.controller.abort(new Error("invocation failed"));
      await Promise.allSettled(this.inFlight.values());
      await this.holder.write(() => ({ record: { lease: null, wakeAt: Timestamp.fromMillis(this.engine.now()) }, mirror: false })).catch(() => false);
      throw error;
    } finally {
      clearTimeout(timer);
      clearTimeout(hardStop);
      clearInterval(renewal);
      this.controller.abort(new Error("invocation ended"));
      // Nothing may go on after the invocation answers: wait for steps still executing (their results are dropped).
      await Promise.allSettled(this.inFlight.values());
      await this.holder.settled();
    }
  }

  private launch(name: string) {
    const spec = this.graph.byName.get(name)!;
    const work = (spec.kind === "sleep" ? this.sleep(spec) : this.work(spec)).finally(() => this.inFlight.delete(name));
    this.inFlight.set(name, work);
  }

  private async sleep(spec: Extract<StepSpec<unknown>, { kind: "sleep" }>) {
    const step = stepIn(this.holder.steps, spec.name);
    const now = this.engine.now();
    if (step.status === "waiting") {
      await this.holder.write((steps) => ({ steps: { ...steps, [spec.name]: finishSleep(stepIn(steps, spec.name), now) }, events: [{ type: "pipeline:step_completed", step: spec.name }] }));
      return;
    }
    const duration = spec.durationMs(this.context(spec.name, 0));
    const sleeping = startSleep(step, duration, now);
    await this.holder.write((steps) => ({ steps: { ...steps, [spec.name]: sleeping }, events: [{ type: "pipeline:step_sleeping", step: spec.name, retryAt: sleeping.wakeAt! }] }));
  }

  private async work(spec: Extract<StepSpec<unknown>, { kind?: "work" }>) {
    if (spec.rateLimit && !(await this.granted(spec))) return;
    const attempt = startAttempt(stepIn(this.holder.steps, spec.name), this.engine.now());
    // Kept in memory only: the attempt is recorded with its result, in one commit.
    this.holder.steps = { ...this.holder.steps, [spec.name]: attempt };
    // Outside the try: a throw here abandons the invocation, as a crash would.
    await this.hooks.beforeStep?.(spec.name);
    let output: Record<string, unknown>;
    try {
      const result = await Promise.race([spec.run(this.context(spec.name, attempt.attempts)), abortPromise(this.controller.signal)]);
      const parsed = spec.output.safeParse(result);
      if (!parsed.success) throw new StepOutputError(`step '${spec.name}' returned output that does not match its schema: ${parsed.error.message}`);
      output = parsed.data;
    } catch (error) {
      if (this.controller.signal.aborted) return; // the run timed out or ended: its end is recorded elsewhere
      const policy = spec.retry ?? this.pipeline.definition.retry;
      const failure = { message: error instanceof Error ? error.message : String(error), detail: describeError(error) };
      const now = this.engine.now();
      const { step, decision } = failAttempt(attempt, failure, policy, isRetryable(error), now);
      logger.warn("run.step_failed", { ...this.log, step: spec.name, attempt: attempt.attempts, retry: decision.retry, detail: failure.detail });
      // The step's own words for its users, when it has them; the engine's otherwise.
      const error_ = { ...runError("STEP_FAILED", failure.detail, spec.name), ...publicErrorOf(error) };
      const failedEvent = { type: "pipeline:step_failed" as const, step: spec.name, error: error_ };
      if (decision.retry) {
        await this.holder.write((steps) => ({
          steps: { ...steps, [spec.name]: step },
          events: [failedEvent, { type: "pipeline:retry_scheduled", step: spec.name, retryAt: step.wakeAt! }],
        }));
        return;
      }
      // Out of retries: the run fails in the same commit, and steps still executing are stopped.
      this.controller.abort(new Error("run failed"));
      const ok = await this.holder.write((steps) => ({
        steps: { ...steps, [spec.name]: step },
        record: ended("failed", error_, now),
        events: [failedEvent, { type: "pipeline:failed", step: spec.name, error: error_ }],
      }));
      if (ok) {
        logger.info("run.failed", { ...this.log, code: error_.code, step: spec.name });
        this.ended = { kind: "failed" };
      }
      return;
    }
    // Outside the try, as beforeStep: the work is done, and now nothing of it is recorded.
    await this.hooks.afterStep?.(spec.name);
    const now = this.engine.now();
    let completesRun = false;
    const ok = await this.holder.write((steps) => {
      // From the stored step, not `attempt`: it keeps the progress the step reported.
      const next = { ...steps, [spec.name]: completeStep(stepIn(steps, spec.name), output, now) };
      const events = [{ type: "pipeline:step_completed" as const, step: spec.name }];
      // The run's completion travels with its last step: one commit fewer.
      completesRun = nextMove(this.graph, next, now).kind === "completed";
      if (!completesRun) return { steps: next, events };
      return { steps: next, record: ended("completed", null, now), events: [...events, { type: "pipeline:completed" }] };
    });
    if (ok && completesRun) {
      logger.info("run.completed", this.log);
      this.ended = { kind: "completed" };
    }
  }

  /** A step that consumes a rate limit takes a grant per attempt; refused, it waits for the window, durably. */
  private async granted(spec: Extract<StepSpec<unknown>, { kind?: "work" }>): Promise<boolean> {
    const { name, key } = spec.rateLimit!;
    const token = await takeToken(this.engine, name, key?.(this.holder.record.payload) ?? "", `${this.holder.ref.id}/${spec.name}`);
    if (token.granted) return true;
    await this.holder.write((steps) => ({
      steps: { ...steps, [spec.name]: throttleStep(stepIn(steps, spec.name), token.retryAt) },
      events: [{ type: "pipeline:step_throttled", step: spec.name, retryAt: token.retryAt }],
    }));
    return false;
  }

  private context(name: string, attempt: number) {
    const record = this.holder.record;
    return {
      payload: record.payload,
      runId: this.holder.ref.id,
      attempt,
      needs: needsOf(this.graph, name, this.holder.steps),
      data: record.executionData,
      signal: this.controller.signal,
      progress: (done: number, total: number) => this.reportProgress(name, done, total),
    };
  }

  private async renewLease() {
    const lease = this.holder.record.lease;
    if (!lease || this.ended) return;
    const expiresAt = Timestamp.fromMillis(this.engine.now() + leaseMs(this.engine));
    await this.holder.write(() => ({ record: { lease: { holder: lease.holder, expiresAt }, wakeAt: expiresAt }, mirror: false })).catch((error: unknown) => {
      logger.warn("run.lease_not_renewed", { ...this.log, detail: describeError(error) });
    });
  }

  /** At most one progress commit per step every PROGRESS_EVERY_MS; the last report of a burst may be dropped (completion says 100%). */
  private reportProgress(name: string, done: number, total: number) {
    const now = this.engine.now();
    if (this.controller.signal.aborted || now - (this.progressAt.get(name) ?? 0) < PROGRESS_EVERY_MS) return;
    this.progressAt.set(name, now);
    void this.holder
      .write((steps) => ({
        steps: { ...steps, [name]: reportProgress(stepIn(steps, name), done, total) },
        events: [{ type: "pipeline:step_progress", step: name, stepProgress: { done, total } }],
        mirror: false,
      }))
      .catch((error: unknown) => logger.warn("run.progress_not_recorded", { ...this.log, step: name, detail: describeError(error) }));
  }

  private async finish(status: "completed" | "failed", error: RunRecord["error"]) {
    const now = this.engine.now();
    this.controller.abort(new Error(`run ${status}`));
    await Promise.allSettled(this.inFlight.values());
    const ok = await this.holder.write(() => ({ record: ended(status, error, now), events: [{ type: status === "completed" ? "pipeline:completed" : "pipeline:failed", ...(error ? { error, step: error.step ?? undefined } : {}) }] }));
    if (ok) logger.info(`run.${status}`, { ...this.log, ...(error ? { code: error.code, step: error.step, detail: error.detail } : {}) });
    this.ended = ok ? { kind: status } : { kind: "lost" };
  }

  /** Nothing can run before `until`: release the lease and ask for a wake-up call then. */
  private async park(until: number) {
    const ok = await this.holder.write(() => ({ record: { lease: null, wakeAt: Timestamp.fromMillis(until) } }));
    if (!ok) {
      this.ended = { kind: "lost" };
      return;
    }
    await sendWakeUp(this.engine, this.holder.ref.id, `${this.holder.ref.id}-${until}`, until);
    this.ended = { kind: "parked" };
  }

  /** This invocation has used its time: checkpoint (every finished step is already recorded) and continue in a new one. */
  private async handOver() {
    await Promise.allSettled(this.inFlight.values());
    const now = this.engine.now();
    const ok = await this.holder.write(() => ({ record: { lease: null, wakeAt: Timestamp.fromMillis(now) } }));
    if (ok) await sendWakeUp(this.engine, this.holder.ref.id, `${this.holder.ref.id}-${now}`, now);
    this.ended = ok ? { kind: "continued" } : { kind: "lost" };
  }
}

function ended(status: "completed" | "failed", error: RunRecord["error"], now: number): Partial<RunRecord> {
  return { status, error, lease: null, wakeAt: null, finishedAt: Timestamp.fromMillis(now) };
}

function abortPromise(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    if (signal.aborted) reject(signal.reason as Error);
    signal.addEventListener("abort", () => reject(signal.reason as Error), { once: true });
  });
}
