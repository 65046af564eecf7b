// After the local stack restarts, no invocation of the previous one is alive,
// yet the runs they held still carry their leases, which would keep the
// sweeper away until they expire (minutes). Every holder died with the stack,
// so the local stack releases those leases at start and the sweeper resumes
// each run at once. In production instances die one at a time and lease
// expiry alone does this.
import { deleteApp, initializeApp } from "firebase-admin/app";
import { getFirestore, Timestamp } from "firebase-admin/firestore";
import { FIREBASE_PROJECT, useEmulatorsForAdmin } from "./emulatorConfig.js";

export async function releaseDeadLeases(): Promise<number> {
  useEmulatorsForAdmin();
  const app = initializeApp({ projectId: FIREBASE_PROJECT }, "release-dead-leases");
  const db = getFirestore(app);
  const held = await db.collection("runs").where("status", "in", ["pending", "running"]).get();
  const now = Timestamp.now();
  const stale = held.docs.filter((doc) => doc.get("lease") !== null);
  await Promise.all(stale.map((doc) => doc.ref.update({ lease: null, wakeAt: now })));
  await deleteApp(app);
  return stale.length;
}
