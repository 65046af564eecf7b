// The functions emulator never fires scheduled functions by itself (and its
// Pub/Sub route refuses v2 schedules). This module plays Cloud Scheduler for
// the local stack and the tests: it lists the scheduled functions the emulator
// loaded and POSTs to a function's trigger the way Cloud Scheduler would.

export interface ScheduledFunction {
  /** e.g. "europe-west1-sweepRuns" */
  id: string;
  name: string;
  /** e.g. "every 1 minutes" */
  schedule: string;
  /** How often it fires, parsed from `schedule` ("every N minutes|hours"). */
  everyMs: number;
}

interface Backends {
  backends: Array<{ functionTriggers: Array<{ id: string; name: string; schedule?: { schedule: string } }> }>;
}

export function everyMs(schedule: string): number {
  const m = /^every (\d+) (minute|minutes|hour|hours)$/.exec(schedule.trim());
  if (!m) throw new Error(`unsupported schedule "${schedule}" (the local scheduler understands "every N minutes|hours")`);
  return Number(m[1]) * (m[2]!.startsWith("hour") ? 3_600_000 : 60_000);
}

export async function listScheduledFunctions(functionsHost: string): Promise<ScheduledFunction[]> {
  const res = await fetch(`${functionsHost}/backends`);
  if (!res.ok) throw new Error(`functions emulator /backends answered ${res.status}`);
  const { backends } = (await res.json()) as Backends;
  return backends
    .flatMap((b) => b.functionTriggers)
    .filter((t) => t.schedule)
    .map((t) => ({ id: t.id, name: t.name, schedule: t.schedule!.schedule, everyMs: everyMs(t.schedule!.schedule) }));
}

const triggerKeys = new Map<string, string>();

/**
 * Fires one scheduled function and resolves with its HTTP status once it has
 * run. The emulator names an event trigger "<id>-<reload generation>", so the
 * key is looked up from its own "valid functions" answer when unknown.
 */
export async function fireScheduledFunction(functionsHost: string, projectId: string, fn: Pick<ScheduledFunction, "id" | "name">): Promise<number> {
  const post = (key: string) =>
    fetch(`${functionsHost}/functions/projects/${projectId}/triggers/${key}`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "X-CloudScheduler": "true",
        "X-CloudScheduler-JobName": `firebase-schedule-${fn.name}`,
        "X-CloudScheduler-ScheduleTime": new Date().toISOString(),
      },
      body: "{}",
    });
  let res = await post(triggerKeys.get(fn.id) ?? fn.id);
  if (res.status === 404) {
    const valid = /valid functions are: (.*)$/.exec(await res.text())?.[1]?.split(", ") ?? [];
    const key = valid.find((k) => new RegExp(`^${fn.id}-\\d+$`).test(k));
    if (!key) throw new Error(`scheduled function ${fn.id} is not loaded by the functions emulator`);
    triggerKeys.set(fn.id, key);
    res = await post(key);
  } else {
    await res.arrayBuffer();
  }
  return res.status;
}
