/**
 * The worker stopped in the middle of a stream of visitor choices (issue 5):
 * a real browser on the demo page makes seven choices, by mouse and through
 * the JavaScript API. The worker is killed right after the third (its post
 * may be in flight, committed or not), three more are made while it is down,
 * it restarts on the same port and database, and the seventh (a withdrawal,
 * which reloads the page) comes after the restart while the outbox still
 * holds the others. Every choice must reach D1 exactly once: seven rows, the
 * seven choices, seven distinct event ids, and an empty outbox.
 */
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OUTBOX_KEY } from "../../widget/log-client.ts";
import { CHROMIUM, launchBrowser } from "./browser.ts";
import { visit, waitForEmptyOutbox } from "./widget-helpers.ts";
import { queryD1, startWorker, type WorkerServer } from "./worker-server.ts";

const outbox = (page: Page) =>
  page.evaluate((key) => JSON.parse(localStorage.getItem(key) ?? "[]").length as number, OUTBOX_KEY);

async function openPreferences(page: Page) {
  await page.getByRole("link", { name: "Cookie settings" }).last().click();
  const dialog = page.getByRole("dialog");
  await dialog.waitFor();
  return dialog;
}

describe.skipIf(!CHROMIUM)("a stream of choices across a worker stop and restart", () => {
  let worker: WorkerServer;
  let browser: Awaited<ReturnType<typeof launchBrowser>>;

  beforeAll(async () => {
    browser = await launchBrowser();
    worker = await startWorker();
  });
  afterAll(async () => {
    await browser?.close();
    await worker?.stop();
  });

  it("delivers every choice exactly once from the outbox", { timeout: 120_000 }, async () => {
    const { port, persistDir, url } = worker;
    const { context, page, errors } = await visit(browser, `${url}/`);

    // 1-2: with the worker up, by mouse, each delivered.
    await page.getByRole("region", { name: "Cookie choices" }).getByRole("button", { name: "Reject all" }).click();
    await waitForEmptyOutbox(page);
    let dialog = await openPreferences(page);
    await dialog.getByRole("switch", { name: "Analytical or performance cookies" }).click();
    await dialog.getByRole("button", { name: "Save choices" }).click();
    await waitForEmptyOutbox(page);
    const consentId = await page.evaluate(() => window.OpenContactConsent?.get()?.consentId);
    expect(consentId).toMatch(/^[0-9a-f-]{36}$/);

    // 3: a choice, and the worker dies at once: its post may be in flight, committed or not.
    await page.evaluate(() => {
      void window.OpenContactConsent?.set({ analytics: true, functionality: true, targeting: false });
    });
    await worker.stop();

    // 4-6: the worker is down; the visitor sees no error, and the outbox keeps each choice.
    dialog = await openPreferences(page);
    await dialog.getByRole("switch", { name: "Targeting cookies" }).click();
    await dialog.getByRole("button", { name: "Save choices" }).click();
    dialog = await openPreferences(page);
    await dialog.getByRole("button", { name: "Accept all" }).click();
    await page.evaluate(() => window.OpenContactConsent?.acceptAll());
    await page.waitForFunction((key) => JSON.parse(localStorage.getItem(key) ?? "[]").length >= 3, OUTBOX_KEY);
    expect(await outbox(page)).toBeGreaterThanOrEqual(3);

    // The worker comes back on the same origin with the same database.
    worker = await startWorker({ port, persistDir });

    // 7: a withdrawal after the restart reloads the page; the new page load flushes the outbox.
    const reloaded = page.waitForEvent("load");
    await page.evaluate(() => window.OpenContactConsent?.rejectAll());
    await reloaded;
    await waitForEmptyOutbox(page);
    // One more page load sends nothing again.
    await page.reload();
    await page.waitForLoadState("networkidle");
    expect(await outbox(page)).toBe(0);

    const rows = queryD1<{
      event_id: string;
      method: string;
      analytics: number;
      functionality: number;
      targeting: number;
    }>(
      persistDir,
      `SELECT event_id, method, analytics, functionality, targeting FROM consent_events WHERE consent_id = '${consentId}'`,
    );
    const choices = rows.map((row) => `${row.method} ${row.analytics}${row.functionality}${row.targeting}`).sort();
    expect(choices).toEqual(
      [
        "reject_all 000",
        "custom 100",
        "custom 110",
        "custom 111",
        "accept_all 111",
        "accept_all 111",
        "withdraw 000",
      ].sort(),
    );
    expect(new Set(rows.map((row) => row.event_id)).size).toBe(7);
    expect(errors).toEqual([]);
    await context.close();
  });
});
