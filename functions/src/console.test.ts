import { startAiService } from "@clementine/tools/aiService";
import { CONSOLE_URL, functionUrl } from "@clementine/tools/emulatorConfig";
import { mkdirSync, readFileSync } from "node:fs";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auth, db } from "./lib/firebase.js";
import { ASSETS_PROJECT_ID } from "./assets/config.js";
import { assetRef } from "./lib/refs.js";
import { fireSchedule, signUpAnonymously, uniqueId, watchDoc } from "./test/emulators.js";
import { CHROMIUM } from "../../scripts/lib/chromium.mjs";

// The operations console in a real headless browser (Debian's chromium),
// served by the Hosting emulator, talking to Firestore with listeners and to
// the admin API through the Hosting rewrite. Set CONSOLE_SCREENSHOTS=1 to
// write the main views to docs/.

// Nothing may leave loopback: no background networking, no QUIC, no first-run fetches.
const FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"];
const projectId = uniqueId("proj-console");
const admin = { email: `${uniqueId("admin")}@console.test`, password: "console-password" };
const outsider = { email: `${uniqueId("guest")}@console.test`, password: "console-password" };
const screenshots = process.env.CONSOLE_SCREENSHOTS ? new URL("../../docs/", import.meta.url) : null;

let browser: Browser;
let sweeping = true;
let sweeper: Promise<void>;

beforeAll(async () => {
  const [user] = await Promise.all([auth.createUser(admin), auth.createUser(outsider)]);
  await db.doc(`projects/${projectId}/members/${user.uid}`).set({ role: "admin" });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
  // The local stack's scheduler: due retries are woken by the sweeper. One sweep at a time, as
  // Cloud Scheduler would: firing faster than sweeps finish would swamp the functions emulator.
  sweeper = (async () => {
    while (sweeping) {
      await fireSchedule("sweepRuns").catch(() => {});
      await new Promise((r) => setTimeout(r, 700));
    }
  })();
});

afterAll(async () => {
  sweeping = false;
  await sweeper;
  await browser?.close();
});

async function signIn(page: Page, who: { email: string; password: string }, project = projectId) {
  await page.goto(`${CONSOLE_URL}/?project=${project}#/runs`);
  await page.getByLabel("Email").fill(who.email);
  await page.getByLabel("Password").fill(who.password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

async function shoot(page: Page, name: string) {
  if (!screenshots) return;
  mkdirSync(screenshots, { recursive: true });
  await page.screenshot({ path: new URL(`console-${name}.png`, screenshots).pathname, fullPage: true });
}

describe("the operations console", () => {
  it("an admin starts a demo task that fails, watches it fail live, opens its waterfall, retries it and sees it complete", { timeout: 120_000 }, async () => {
    const page = await browser.newPage({ viewport: { width: 1360, height: 860 } });
    await signIn(page, admin);
    await expect.poll(() => page.locator("table.runs, p.empty").count(), { timeout: 20_000 }).toBeGreaterThan(0);

    await page.keyboard.press("n"); // the shortcut to the start form
    await page.getByLabel("Task id (dedup key)").fill(uniqueId("track"));
    await page.getByLabel("…or an outage of (ms)").fill("5000");
    await page.getByLabel("Retry schedule (ms)").fill("300");
    await page.getByLabel("Sleep in simulate-delay (ms)").fill("0");
    await shoot(page, "start");
    await page.getByRole("button", { name: "Start" }).click();

    // The run's page, live: it fails once its one retry is spent.
    const status = page.getByTestId("run-status");
    await expect.poll(() => status.textContent(), { timeout: 30_000 }).toBe("failed");
    await expect.poll(() => page.getByTestId("run-error").textContent()).toContain("STEP_FAILED at simulate-api-call");
    await expect.poll(() => page.locator('tr[data-step="simulate-api-call"] td').nth(2).textContent()).toBe("2");
    expect(await page.locator("canvas[aria-label*='time axis']").count()).toBe(1);
    await expect.poll(() => page.locator('ol.events li[data-type="pipeline:retry_scheduled"]').count()).toBe(1);
    await shoot(page, "run-failed");

    // The outage ends five seconds after the task initialized (its memoized output says when).
    const runId = decodeURIComponent(new URL(page.url()).hash.split("/")[2]!);
    const initializedAt = (await db.doc(`runs/${runId}`).get()).get("executionData.initializedAt") as number;
    await expect.poll(() => Date.now(), { timeout: 10_000 }).toBeGreaterThan(initializedAt + 5000);
    await page.getByRole("button", { name: "Retry from failure" }).click();
    await expect.poll(() => status.textContent(), { timeout: 30_000 }).toBe("completed");
    await expect.poll(() => page.locator('tr[data-step="finalize"] .badge').textContent()).toBe("completed");
    await shoot(page, "run-completed");

    // The list shows it, and the dead letters no longer do.
    await page.keyboard.press("r");
    await expect.poll(() => page.locator(`tr[data-run="${runId}"]`).getAttribute("data-status"), { timeout: 10_000 }).toBe("completed");
    await shoot(page, "runs");
    await page.keyboard.press("d");
    await expect.poll(() => page.locator("h1").textContent()).toBe("Dead letters");
    await expect.poll(() => page.locator("table.runs, p.empty").count(), { timeout: 10_000 }).toBeGreaterThan(0);
    expect(await page.locator(`tr[data-run="${runId}"]`).count()).toBe(0);

    await fireSchedule("recordMetrics");
    await page.keyboard.press("m");
    await expect.poll(() => page.getByTestId("counts").textContent(), { timeout: 10_000 }).toContain("1 completed");
    await shoot(page, "metrics");
    await page.close();
  });

  it("lists the AI asset queue like every other pipeline: a refused image is in the dead letters with the AI's reason, and a retry completes it", { timeout: 90_000 }, async () => {
    const ai = await startAiService();
    const page = await browser.newPage({ viewport: { width: 1360, height: 860 } });
    try {
      const queueAdmin = { email: `${uniqueId("assets-admin")}@console.test`, password: "console-password" };
      const user = await auth.createUser(queueAdmin);
      await db.doc(`projects/${ASSETS_PROJECT_ID}/members/${user.uid}`).set({ role: "admin" });
      // A user's photo that the AI service refuses (422) the first time.
      ai.control({ failRate: 1, rateOutcome: "corrupted" });
      const owner = await signUpAnonymously();
      const form = new FormData();
      form.append("image", new Blob([readFileSync(new URL("../../tools/assets/sample-coin.png", import.meta.url))]), "coin.png");
      form.append("category", "coin");
      const res = await fetch(`${functionUrl("api")}/assets/analyze-queue`, { method: "POST", headers: { authorization: `Bearer ${owner.idToken}` }, body: form });
      const { assetId, jobId } = (await res.json()) as { assetId: string; jobId: string };
      await watchDoc(assetRef(db, owner.uid, assetId), (snap) => snap.get("status") === "failed");
      ai.control({ failRate: 0 });

      await signIn(page, queueAdmin, ASSETS_PROJECT_ID);
      await expect.poll(() => page.locator("table.runs, p.empty").count(), { timeout: 20_000 }).toBeGreaterThan(0);
      await page.keyboard.press("d");
      const row = page.locator(`tr[data-run="${jobId}"]`);
      await expect.poll(() => row.textContent(), { timeout: 15_000 }).toContain("ai-processing");
      await shoot(page, "asset-dead-letters");
      await page.goto(`${CONSOLE_URL}/?project=${ASSETS_PROJECT_ID}#/runs/${jobId}`);
      await expect.poll(() => page.getByTestId("run-error").textContent(), { timeout: 15_000 }).toContain("IMAGE_UNREADABLE at analyze");
      await page.getByRole("button", { name: "Retry from failure" }).click();
      await expect.poll(() => page.getByTestId("run-status").textContent(), { timeout: 30_000 }).toBe("completed");
      await watchDoc(assetRef(db, owner.uid, assetId), (snap) => snap.get("status") === "active");
    } finally {
      await page.close();
      await ai.stop();
    }
  });

  it("a signed-in user who is not the project's admin sees none of its data", { timeout: 60_000 }, async () => {
    const page = await browser.newPage();
    await signIn(page, outsider);
    await expect.poll(() => page.getByTestId("not-admin").count(), { timeout: 20_000 }).toBe(1);
    expect(await page.locator("table.runs").count()).toBe(0);
    // Going straight to a view changes nothing: the data is behind the rules, not the page.
    await page.goto(`${CONSOLE_URL}/?project=${projectId}#/dead-letters`);
    await expect.poll(() => page.getByTestId("not-admin").count(), { timeout: 20_000 }).toBe(1);
    await page.close();
  });
});
