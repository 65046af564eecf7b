import { SessionJobView, TransformConfig } from "@clementine/shared";
import { definePipeline, NO_RETRIES } from "@clementine/pipeline";
import type { Firestore } from "firebase-admin/firestore";
import { z } from "zod";
import { jobView, type TransformPayload } from "../core/jobView.js";
import { sessionView } from "../core/sessionView.js";
import { pipeline } from "../engine/engine.js";
import { runStubNode, type NodeContext, type NodeOutput } from "../lib/executor/stubExecutor.js";
import { jobRef, sessionRef } from "../lib/refs.js";

export const TransformPayloadSchema: z.ZodType<TransformPayload> = z.object({
  projectId: z.string(),
  sessionId: z.string(),
  experienceId: z.string(),
  stepId: z.string(),
  transform: TransformConfig,
  sessionInputs: z.record(z.string(), z.unknown()),
});

/** Built once: a step's schema is compiled on first use, and the steps are rebuilt from the payload on every delivery. */
const NodeOutputSchema = z.object({ result: z.record(z.string(), z.unknown()) });

export interface TransformOptions {
  db: Firestore;
  /** TRANSFORM_JOB_TIMEOUT_SECONDS: a job still running this long after it started fails with TIMEOUT. */
  timeoutSeconds: number;
  runNode?: (node: TransformConfig["nodes"][number], context: NodeContext) => Promise<NodeOutput>;
}

/**
 * The transform pipeline: each node of the experience's transform is a step,
 * in order, with no retries (a node failure fails the job at once, as the spec
 * asks; only deliveries are retried). Every change of the run also writes the
 * job document admins read and the session its guest watches.
 */
export function transformPipeline({ db, timeoutSeconds, runNode = runStubNode }: TransformOptions) {
  return pipeline(
    definePipeline<TransformPayload>({
      name: "transform",
      payload: TransformPayloadSchema,
      retry: NO_RETRIES,
      timeoutSeconds,
      steps: ({ transform, sessionInputs }) =>
        transform.nodes.map((node, i) => ({
          name: node.id,
          dependsOn: i === 0 ? [] : [transform.nodes[i - 1]!.id],
          output: NodeOutputSchema,
          run: async ({ signal }) => ({ result: await runNode(node, { signal, sessionInputs }) }),
        })),
    }),
    {
      adminSteerable: false,
      // A guest is watching each job live, and one job per session already bounds them: no queue in front of it.
      concurrency: null,
      mirrors: (runId, run, payload) => {
        const job = jobView(run, payload);
        // The job was created with its run (createJob): what never changes is not sent again.
        const { projectId: _p, sessionId: _s, experienceId: _e, stepId: _st, input: _i, createdAt: _c, ...changing } = job;
        return [
          { ref: jobRef(db, payload.projectId, runId), data: changing, mode: "update" },
          { ref: sessionRef(db, payload.projectId, payload.sessionId), data: SessionJobView.parse(sessionView(runId, job)), mode: "update" },
        ];
      },
    },
  );
}
