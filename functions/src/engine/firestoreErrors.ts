/** The answers of Firestore (gRPC codes) and Cloud Tasks that the engine acts on. */
const codeOf = (error: unknown) => (error as { code?: unknown } | null)?.code;

export const isNotFound = (error: unknown) => codeOf(error) === 5;
/** A create of a document that exists, or an enqueue of a task name in use (the Admin SDK's own code for it). */
export const isAlreadyExists = (error: unknown) => codeOf(error) === 6 || codeOf(error) === "functions/task-already-exists";
/** A write whose `lastUpdateTime` precondition no longer holds. */
export const isPreconditionFailed = (error: unknown) => codeOf(error) === 9;
