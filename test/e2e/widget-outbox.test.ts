/**
 * Delivery that loses nothing, against real workers in Chromium: a post
 * refused with 503, or a worker that is down, leaves the choice in the
 * localStorage outbox; it lands in D1 exactly once after recovery.
 */
import type { Page } from "playwright-core";
import { describe, expect, inject, it } from "vitest";
import { CHROMIUM, useBrowser } from "./browser.ts";
import { visit, waitForEmptyOutbox } from "./widget-helpers.ts";
import { queryD1, startWorker } from "./worker-server.ts";

function rows(persistDir: string, consentId: string) {
  return queryD1<{ method: string; event_id: string }>(
    persistDir,
    `SELECT method, event_id FROM consent_events WHERE consent_id = '${consentId}' ORDER BY id`,
  );
}

async function consentId(page: Page): Promise<string> {
  const id = await page.evaluate(() => window.OpenContactConsent?.get()?.consentId);
  if (!id) throw new Error("no consent stored");
  return id;
}

async function outboxSize(page: Page): Promise<number> {
  return page.evaluate(() => JSON.parse(localStorage.getItem("opencontact-consent:outbox") ?? "[]").length);
}

describe.skipIf(!CHROMIUM)("widget outbox in Chromium", () => {
  const browser = useBrowser();
  const base = () => inject("baseUrl");

  it("keeps a choice refused with 503 in the outbox and delivers it exactly once", async () => {
    const { context, page } = await visit(browser(), `${base()}/`);
    let refused = 0;
    await page.route("**/api/consent", async (route) => {
      if (refused < 2) {
        refused++;
        await route.fulfill({ status: 503, headers: { "Retry-After": "1" }, body: "{}" });
      } else {
        await route.continue();
      }
    });
    await page.getByRole("button", { name: "Reject all" }).click();
    await page.waitForFunction(() => localStorage.getItem("opencontact-consent:outbox"));
    expect(await outboxSize(page)).toBe(1);
    // The visitor sees no error: the banner is simply gone.
    expect(await page.getByRole("region", { name: "Cookie choices" }).count()).toBe(0);
    await waitForEmptyOutbox(page);
    expect(refused).toBe(2);
    await page.reload();
    await page.waitForLoadState("networkidle");
    const found = rows(inject("persistDir"), await consentId(page));
    expect(found.map((row) => row.method)).toEqual(["reject_all"]);
    await context.close();
  });

  it("with the worker down, keeps the choice and lands it exactly once after the worker is back", async () => {
    let worker = await startWorker();
    const { port, persistDir, url } = worker;
    const { context, page } = await visit(browser(), `${url}/`);
    try {
      await page.getByRole("region", { name: "Cookie choices" }).waitFor();
      await worker.stop();
      await page.getByRole("button", { name: "Accept all" }).click();
      await page.waitForFunction(() => localStorage.getItem("opencontact-consent:outbox"));
      const id = await consentId(page);
      // A second choice while offline waits too (same consent id, its own event id).
      await page.evaluate(() =>
        window.OpenContactConsent?.set({ analytics: true, functionality: true, targeting: true }),
      );
      expect(await outboxSize(page)).toBe(2);

      worker = await startWorker({ port, persistDir });
      await page.evaluate(() => window.dispatchEvent(new Event("online")));
      await waitForEmptyOutbox(page);
      // Reloading retries nothing more: each event is in the log exactly once.
      await page.reload();
      await page.waitForLoadState("networkidle");
      const found = rows(persistDir, id);
      expect(found.map((row) => row.method)).toEqual(["accept_all", "custom"]);
      expect(new Set(found.map((row) => row.event_id)).size).toBe(2);
    } finally {
      await context.close();
      await worker.stop();
    }
  });
});
