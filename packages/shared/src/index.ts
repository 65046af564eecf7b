export * from "./api.js";
export * from "./experience.js";
export * from "./ids.js";
export * from "./job.js";
export * from "./session.js";
export * from "./run.js";
export * from "./demoTask.js";
export * from "./video.js";
