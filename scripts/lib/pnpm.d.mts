export function bin(name: string): string;
export function ensureWorkspace(): void;
export function pnpm(args: string[]): number;
