/** Firestore Timestamps as the client SDK returns them. */
export interface Stamp {
  toMillis(): number;
}

export const ms = (t: Stamp | null | undefined) => (t ? t.toMillis() : null);

export function duration(fromMs: number | null, toMs: number | null): string {
  if (fromMs === null) return "–";
  const total = (toMs ?? Date.now()) - fromMs;
  if (total < 1000) return `${total} ms`;
  if (total < 60_000) return `${(total / 1000).toFixed(1)} s`;
  if (total < 3_600_000) return `${Math.floor(total / 60_000)} min ${Math.round((total % 60_000) / 1000)} s`;
  return `${(total / 3_600_000).toFixed(1)} h`;
}

export function when(t: Stamp | null | undefined): string {
  const at = ms(t);
  if (at === null) return "–";
  const d = new Date(at);
  const today = new Date().toDateString() === d.toDateString();
  return today ? d.toLocaleTimeString() : d.toLocaleString();
}

export const json = (value: unknown) => JSON.stringify(value, null, 2);

/** A form field's text ("" when absent or a file). */
export const field = (form: FormData, name: string): string => {
  const value = form.get(name);
  return typeof value === "string" ? value.trim() : "";
};
