import type { JobProgress } from "@clementine/shared";

export function progressAfter(finishedNodes: number, totalNodes: number): JobProgress {
  if (totalNodes < 1) throw new RangeError(`totalNodes must be at least 1, got ${totalNodes}`);
  const currentNode = Math.min(Math.max(finishedNodes, 0), totalNodes);
  return { currentNode, totalNodes, percentage: Math.floor((currentNode * 100) / totalNodes) };
}
