import type { RunError } from "@clementine/shared";

/** Why a run failed, as a code; `message` is the only text anyone but an admin sees. */
export type RunErrorCode = "STEP_FAILED" | "TIMEOUT" | "INTERNAL";

const MESSAGES: Record<RunErrorCode, string> = {
  STEP_FAILED: "A step of this run failed.",
  TIMEOUT: "The run took too long and was stopped.",
  INTERNAL: "Something went wrong while running this.",
};

/** Whether `code` is one of the engine's own (not a step's `publicError`): it says nothing a run's users can act on. */
export const isEngineErrorCode = (code: string): code is RunErrorCode => Object.hasOwn(MESSAGES, code);

export const runError = (code: RunErrorCode, detail: string, step: string | null = null): RunError => ({ code, message: MESSAGES[code], detail, step });
