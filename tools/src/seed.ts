// Demo data for the local stack: one project, an admin, two experiences (one
// that succeeds slowly enough to watch, one that fails) and a guest session.
import type { Experience, TransformNode } from "@clementine/shared";
import { deleteApp, initializeApp } from "firebase-admin/app";
import { getAuth } from "firebase-admin/auth";
import { getFirestore } from "firebase-admin/firestore";
import { FIREBASE_PROJECT, useEmulatorsForAdmin } from "./emulatorConfig.js";

export const DEMO = {
  projectId: "demo-project",
  experienceId: "photo-booth",
  failingExperienceId: "photo-booth-broken",
  sessionId: "demo-session",
  guestUid: "demo-guest",
  admin: { uid: "demo-admin", email: "admin@demo.test", password: "demo-password" },
} as const;

const node = (id: string, type: string, delayMs: number, fail?: "error"): TransformNode => ({
  id,
  type,
  config: { simulate: fail ? { delayMs, fail } : { delayMs } },
});

const experiences: Record<string, Experience> = {
  [DEMO.experienceId]: {
    name: "Photo booth",
    transform: {
      nodes: [
        node("remove-background", "background.remove", 900),
        node("apply-style", "ai.style", 1500),
        node("add-frame", "overlay.frame", 700),
        node("export", "image.export", 500),
      ],
    },
  },
  [DEMO.failingExperienceId]: {
    name: "Photo booth (broken style node)",
    transform: {
      nodes: [node("remove-background", "background.remove", 700), node("apply-style", "ai.style", 900, "error"), node("export", "image.export", 300)],
    },
  },
};

export async function seed(): Promise<void> {
  useEmulatorsForAdmin();
  const app = initializeApp({ projectId: FIREBASE_PROJECT }, "seed");
  const db = getFirestore(app);
  const project = db.collection("projects").doc(DEMO.projectId);
  const batch = db.batch();
  batch.set(project, { name: "Demo project" });
  batch.set(project.collection("members").doc(DEMO.admin.uid), { role: "admin" });
  // The AI asset queue's runs belong to the project "assets" (functions/src/assets/config.ts): the demo admin sees them too.
  batch.set(db.collection("projects").doc("assets"), { name: "AI asset queue" });
  batch.set(db.collection("projects").doc("assets").collection("members").doc(DEMO.admin.uid), { role: "admin" });
  for (const [id, experience] of Object.entries(experiences)) batch.set(project.collection("experiences").doc(id), experience);
  await batch.commit();
  // Created once: on a restart with kept data the session keeps its job.
  await project.collection("sessions").doc(DEMO.sessionId).create({
    experienceId: DEMO.experienceId,
    guestUid: DEMO.guestUid,
    inputs: { capture: { photo: "gs://demo-project/captures/demo.jpg" } },
    jobId: null,
    jobStatus: null,
    jobProgress: null,
    jobError: null,
  }).catch((error: { code?: number }) => {
    if (error.code !== 6) throw error; // ALREADY_EXISTS
  });
  const auth = getAuth(app);
  await auth.createUser({ uid: DEMO.admin.uid, email: DEMO.admin.email, password: DEMO.admin.password }).catch((error: { code?: string }) => {
    if (error.code !== "auth/uid-already-exists") throw error;
  });
  await deleteApp(app);
}
