import { defineInt } from "firebase-functions/params";

export const REGION = "europe-west1";
export const TRANSFORM_TASK_FUNCTION = "transformPipelineJob";

export const transformJobTimeoutSeconds = defineInt("TRANSFORM_JOB_TIMEOUT_SECONDS", {
  default: 600,
  description: "How long a transform job may run before it fails with TIMEOUT (1–1680 s).",
});
