export * from "./definition.js";
export * from "./errors.js";
export * from "./retry.js";
export * from "./schedule.js";
export * from "./state.js";
export * from "./transitions.js";
export * from "./admission.js";
export * from "./rateLimit.js";
