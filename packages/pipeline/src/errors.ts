/** Thrown by a step to fail at once, whatever its retry policy says (bad input, a permanent refusal). */
export class NonRetryableError extends Error {
  override name = "NonRetryableError";
}

/** Thrown when a step's output does not match its declared schema: retried, like any transient failure. */
export class StepOutputError extends Error {
  override name = "StepOutputError";
}

/** A pipeline whose steps do not form a valid graph: a bug in its definition, not in a run. */
export class PipelineDefinitionError extends Error {
  override name = "PipelineDefinitionError";
}

/** The one place that decides whether a failed step may be retried. */
export function isRetryable(error: unknown): boolean {
  return !(error instanceof NonRetryableError);
}

/** What a failed step's users may be told: a code and a message written for them (admins see the detail too). */
export interface PublicError {
  code: string;
  message: string;
}

/** A step error may carry a `publicError`: the run's error then has its code and message. */
export function publicErrorOf(error: unknown): PublicError | null {
  const value = (error as { publicError?: Partial<PublicError> } | null)?.publicError;
  return typeof value?.code === "string" && typeof value.message === "string" ? { code: value.code, message: value.message } : null;
}
