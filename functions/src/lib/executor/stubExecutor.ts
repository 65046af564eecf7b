import type { SimulateConfig, TransformNode } from "@clementine/shared";

export type NodeOutput = Record<string, unknown>;

export interface NodeContext {
  /** Aborted when the job's deadline passes; a node should stop promptly. */
  signal: AbortSignal;
  sessionInputs: Record<string, unknown>;
}

/**
 * Runs one node. No real image work yet (spec FR-015): a node succeeds at
 * once with a stub result, unless `config.simulate` makes it slow or failing.
 */
export async function runStubNode(node: TransformNode, context: NodeContext): Promise<NodeOutput> {
  const simulate: SimulateConfig = node.config?.simulate ?? {};
  if (simulate.delayMs) await delay(simulate.delayMs, context.signal);
  if (simulate.fail === "error") {
    throw new Error(`simulated failure in node ${node.id} (${node.type})`);
  }
  return { stub: true, type: node.type };
}

/** Why the signal aborted, as an Error (an AbortSignal's reason may be anything). */
export function abortReason(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  return reason instanceof Error ? reason : new Error(String(reason));
}

function delay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(abortReason(signal));
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortReason(signal));
    };
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
