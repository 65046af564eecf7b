import type { SessionJobView } from "@clementine/shared";

const WIDTH = 30;

/** One line: bar, percentage, node count and status, e.g. `[█████░░░░░] 50%  node 2/4  running`. */
export function progressLine(view: SessionJobView): string {
  const p = view.jobProgress;
  const pct = p?.percentage ?? 0;
  const filled = Math.round((pct / 100) * WIDTH);
  const bar = `${"█".repeat(filled)}${"░".repeat(WIDTH - filled)}`;
  // While running (or when it failed) the node in hand is the one after those finished.
  const inHand = view.jobStatus === "running" || view.jobStatus === "failed" ? 1 : 0;
  const nodes = p ? `node ${Math.min(p.currentNode + inHand, p.totalNodes)}/${p.totalNodes}` : "";
  return `[${bar}] ${String(pct).padStart(3)}%  ${nodes.padEnd(10)}  ${view.jobStatus ?? "…"}`;
}
