import { z } from "zod";

/** Test and demo knob understood by the stub executor (spec FR-015: no real node work yet). */
export const SimulateConfig = z.strictObject({
  /** Wait this long before the node finishes (honours the job's timeout). */
  delayMs: z.int().min(0).max(30 * 60 * 1000).optional(),
  /** Make the node fail: `error` throws a plain Error, as a crashing node would. */
  fail: z.enum(["error"]).optional(),
});
export type SimulateConfig = z.infer<typeof SimulateConfig>;

export const TransformNode = z.object({
  /** Names the node's step in its run (and a key in Firestore maps): not `__…__`. */
  id: z.string().min(1).max(200).refine((id) => !/^__.*__$/s.test(id), "must not be of the form __name__ (reserved by Firestore)"),
  type: z.string().min(1),
  config: z.looseObject({ simulate: SimulateConfig.optional() }).optional(),
});
export type TransformNode = z.infer<typeof TransformNode>;

export const TransformConfig = z.object({
  nodes: z
    .array(TransformNode)
    .max(100, "must have at most 100 nodes")
    .refine((nodes) => new Set(nodes.map((n) => n.id)).size === nodes.length, "node ids must be unique"),
});
export type TransformConfig = z.infer<typeof TransformConfig>;

/** `/projects/{projectId}/experiences/{experienceId}` */
export const Experience = z.looseObject({
  name: z.string(),
  /** Absent, or with no nodes: the experience has no transform configuration. */
  transform: TransformConfig.optional(),
});
export type Experience = z.infer<typeof Experience>;
