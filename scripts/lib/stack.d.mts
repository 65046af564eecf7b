// Types for the test that drives the local stack as a person would (functions/src/localStack.test.ts).
export const EMULATORS: string;
export function prepare(): void;
export function emulatorsArgs(command: string[], options?: { project?: string; quiet?: boolean; dataDir?: string; config?: string; only?: string }): string[];
export function emulatorsExec(command: string[], options?: { project?: string; quiet?: boolean; dataDir?: string; config?: string; only?: string }): Promise<number>;
export function imageStoreEnv(options?: { project?: string; config?: string }): { IMAGE_STORE_DIR: string; IMAGE_URL_BASE: string; IMAGE_TOKEN_SECRET: string };
