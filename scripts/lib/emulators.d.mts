export function emulatorEnv(base?: NodeJS.ProcessEnv): NodeJS.ProcessEnv;
