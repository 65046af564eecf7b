import {
  assertFails,
  assertSucceeds,
  initializeTestEnvironment,
  type RulesTestContext,
  type RulesTestEnvironment,
} from "@firebase/rules-unit-testing";
import { doc, getDoc, setDoc, updateDoc, deleteDoc, collection, query, where, getDocs } from "firebase/firestore";
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, it } from "vitest";

// Its own emulator project, so the rules under test never meet the functions' data.
let env: RulesTestEnvironment;
const P = "proj-1";
const session = { experienceId: "exp-1", guestUid: "guest-1", jobId: "job-1", jobStatus: "running", jobProgress: null, jobError: null };

beforeAll(async () => {
  const [host, port] = process.env.FIRESTORE_EMULATOR_HOST!.split(":");
  env = await initializeTestEnvironment({
    projectId: "demo-clementine-rules",
    firestore: { rules: readFileSync(new URL("../../../firestore.rules", import.meta.url), "utf8"), host: host!, port: Number(port) },
  });
  await env.withSecurityRulesDisabled(async (ctx) => {
    const db = ctx.firestore();
    await setDoc(doc(db, `projects/${P}`), { name: "Project 1" });
    await setDoc(doc(db, `projects/${P}/members/admin-1`), { role: "admin" });
    await setDoc(doc(db, `projects/proj-2/members/admin-2`), { role: "admin" });
    await setDoc(doc(db, `projects/${P}/experiences/exp-1`), { name: "E", transform: { nodes: [{ id: "n", type: "stub" }] } });
    await setDoc(doc(db, `projects/${P}/sessions/sess-1`), session);
    await setDoc(doc(db, `projects/${P}/jobs/job-1`), { status: "running", sessionId: "sess-1" });
    await setDoc(doc(db, "runs/run-1"), { projectId: P, pipeline: "demo-task", status: "running" });
    await setDoc(doc(db, "runs/run-1/events/000001"), { seq: 1, type: "pipeline:started" });
    await setDoc(doc(db, `projects/${P}/metrics/demo-task-2026-12-02T17:00:00.000Z`), { pipeline: "demo-task", completed: 3 });
    await setDoc(doc(db, "runGates/gate-1"), { scope: "demo-task", holders: {} });
    await setDoc(doc(db, "runKeys/key-1"), { runId: "run-1" });
    await setDoc(doc(db, "rateLimits/limit-1"), { grants: [] });
  });
});

afterAll(async () => {
  await env.cleanup();
});

const guest = (uid = "guest-1"): RulesTestContext => env.authenticatedContext(uid, { firebase: { sign_in_provider: "anonymous" } });
const admin = (uid = "admin-1") => env.authenticatedContext(uid);
const anonymous = () => env.unauthenticatedContext();
const db = (ctx: RulesTestContext) => ctx.firestore();

describe("sessions", () => {
  it("a guest reads their own session, and lists only theirs", async () => {
    await assertSucceeds(getDoc(doc(db(guest()), `projects/${P}/sessions/sess-1`)));
    await assertSucceeds(getDocs(query(collection(db(guest()), `projects/${P}/sessions`), where("guestUid", "==", "guest-1"))));
  });

  it("nobody else reads it: another guest, the signed-out, an admin of another project", async () => {
    await assertFails(getDoc(doc(db(guest("guest-2")), `projects/${P}/sessions/sess-1`)));
    await assertFails(getDoc(doc(db(anonymous()), `projects/${P}/sessions/sess-1`)));
    await assertFails(getDoc(doc(db(admin("admin-2")), `projects/${P}/sessions/sess-1`)));
    await assertFails(getDocs(collection(db(guest("guest-2")), `projects/${P}/sessions`)));
  });

  it("the project's admin reads it", async () => {
    await assertSucceeds(getDoc(doc(db(admin()), `projects/${P}/sessions/sess-1`)));
  });

  it("a guest creates their own session with no job state, for an existing experience", async () => {
    await assertSucceeds(setDoc(doc(db(guest("guest-3")), `projects/${P}/sessions/new-1`), { experienceId: "exp-1", guestUid: "guest-3" }));
    await assertFails(setDoc(doc(db(guest("guest-3")), `projects/${P}/sessions/new-2`), { experienceId: "exp-1", guestUid: "guest-1" }));
    await assertFails(setDoc(doc(db(guest("guest-3")), `projects/${P}/sessions/new-3`), { experienceId: "nope", guestUid: "guest-3" }));
    await assertFails(
      setDoc(doc(db(guest("guest-3")), `projects/${P}/sessions/new-4`), { experienceId: "exp-1", guestUid: "guest-3", jobStatus: "completed" }),
    );
    await assertFails(setDoc(doc(db(anonymous()), `projects/${P}/sessions/new-5`), { experienceId: "exp-1", guestUid: "x" }));
  });

  it("a guest adds inputs to their session but never writes job state, owner or experience", async () => {
    const ref = doc(db(guest()), `projects/${P}/sessions/sess-1`);
    await assertSucceeds(updateDoc(ref, { inputs: { capture: "photo.jpg" } }));
    for (const change of [{ jobStatus: "completed" }, { jobId: "other" }, { jobProgress: { currentNode: 9 } }, { jobError: { code: "TIMEOUT", message: "x" } }, { guestUid: "guest-2" }, { experienceId: "x" }]) {
      await assertFails(updateDoc(ref, change));
    }
    await assertFails(updateDoc(doc(db(guest("guest-2")), `projects/${P}/sessions/sess-1`), { inputs: {} }));
    await assertFails(updateDoc(ref, { inputs: "not a map" }));
    await assertFails(setDoc(doc(db(guest("guest-3")), `projects/${P}/sessions/new-6`), { experienceId: "exp-1", guestUid: "guest-3", inputs: [1] }));
    await assertFails(deleteDoc(ref));
  });
});

describe("jobs", () => {
  it("are read by the project's admins only", async () => {
    await assertSucceeds(getDoc(doc(db(admin()), `projects/${P}/jobs/job-1`)));
    await assertSucceeds(getDocs(collection(db(admin()), `projects/${P}/jobs`)));
    await assertFails(getDoc(doc(db(admin("admin-2")), `projects/${P}/jobs/job-1`)));
    await assertFails(getDoc(doc(db(guest()), `projects/${P}/jobs/job-1`)));
    await assertFails(getDoc(doc(db(anonymous()), `projects/${P}/jobs/job-1`)));
  });

  it("are written by the server only, not even by admins", async () => {
    for (const ctx of [guest(), admin(), anonymous()]) {
      await assertFails(setDoc(doc(db(ctx), `projects/${P}/jobs/job-2`), { status: "pending" }));
      await assertFails(updateDoc(doc(db(ctx), `projects/${P}/jobs/job-1`), { status: "completed" }));
      await assertFails(deleteDoc(doc(db(ctx), `projects/${P}/jobs/job-1`)));
    }
  });
});

describe("runs and their events", () => {
  it("are read by the admins of the run's project only", async () => {
    await assertSucceeds(getDoc(doc(admin().firestore(), "runs/run-1")));
    await assertSucceeds(getDoc(doc(admin().firestore(), "runs/run-1/events/000001")));
    await assertSucceeds(getDocs(query(collection(admin().firestore(), "runs"), where("projectId", "==", P))));
    for (const ctx of [admin("admin-2"), guest(), anonymous()]) {
      await assertFails(getDoc(doc(ctx.firestore(), "runs/run-1")));
      await assertFails(getDoc(doc(ctx.firestore(), "runs/run-1/events/000001")));
    }
    // Rules are not filters: a query that is not limited to one's project is refused.
    await assertFails(getDocs(collection(admin().firestore(), "runs")));
  });

  it("are written by the server only, not even by admins", async () => {
    await assertFails(setDoc(doc(admin().firestore(), "runs/run-2"), { projectId: P, status: "pending" }));
    await assertFails(updateDoc(doc(admin().firestore(), "runs/run-1"), { status: "cancelled" }));
    await assertFails(setDoc(doc(admin().firestore(), "runs/run-1/events/000002"), { seq: 2 }));
    await assertFails(deleteDoc(doc(admin().firestore(), "runs/run-1")));
  });
});

describe("queue metrics and the engine's own documents", () => {
  it("metrics are read by the project's admins only, and written by nobody from a client", async () => {
    await assertSucceeds(getDocs(collection(db(admin()), `projects/${P}/metrics`)));
    for (const ctx of [admin("admin-2"), guest(), anonymous()]) await assertFails(getDocs(collection(db(ctx), `projects/${P}/metrics`)));
    await assertFails(setDoc(doc(db(admin()), `projects/${P}/metrics/forged`), { completed: 1000 }));
  });

  it("gates, dedup keys and rate limits are the server's alone", async () => {
    for (const path of ["runGates/gate-1", "runKeys/key-1", "rateLimits/limit-1"]) {
      await assertFails(getDoc(doc(db(admin()), path)));
      await assertFails(setDoc(doc(db(admin()), path), { forged: true }));
    }
  });
});

describe("experiences and members", () => {
  it("signed-in users read experiences; only the project's admins write them", async () => {
    await assertSucceeds(getDoc(doc(db(guest()), `projects/${P}/experiences/exp-1`)));
    await assertFails(getDoc(doc(db(anonymous()), `projects/${P}/experiences/exp-1`)));
    await assertSucceeds(setDoc(doc(db(admin()), `projects/${P}/experiences/exp-2`), { name: "New" }));
    await assertFails(setDoc(doc(db(admin("admin-2")), `projects/${P}/experiences/exp-3`), { name: "New" }));
    await assertFails(setDoc(doc(db(guest()), `projects/${P}/experiences/exp-4`), { name: "New" }));
  });

  it("a user reads their own membership; nobody writes one from a client", async () => {
    await assertSucceeds(getDoc(doc(db(admin()), `projects/${P}/members/admin-1`)));
    await assertFails(getDoc(doc(db(guest()), `projects/${P}/members/admin-1`)));
    await assertFails(setDoc(doc(db(guest()), `projects/${P}/members/guest-1`), { role: "admin" }));
    await assertFails(setDoc(doc(db(admin()), `projects/${P}/members/guest-1`), { role: "admin" }));
  });
});
