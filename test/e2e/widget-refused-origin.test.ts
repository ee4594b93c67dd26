/**
 * A site whose origin is missing from the worker's ALLOWED_ORIGINS (the
 * www-or-bare-domain mistake), in Chromium: the visitor's choice applies,
 * the site owner gets one console error naming the origin and the setting,
 * the widget does not retry in a loop, and the event waits in the outbox
 * until a page load after the setting is fixed, when the log receives it.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CHROMIUM, launchBrowser } from "./browser.ts";
import { visit, waitForEmptyOutbox } from "./widget-helpers.ts";
import { freePort, newPersistDir, queryD1, startWorker, type WorkerServer } from "./worker-server.ts";

const OUTBOX = "opencontact-consent:outbox";
const PREFIX = "OpenContact Consent: ";

describe.skipIf(!CHROMIUM)("widget on a site the worker refuses, in Chromium", () => {
  let browser: Browser;
  let site: Server;
  let worker: WorkerServer | undefined;
  let siteOrigin = "";
  let port = 0;
  let persistDir = "";

  beforeAll(async () => {
    browser = await launchBrowser();
    // A shop on its own loopback origin that loads the widget from the consent host.
    site = createServer((request, response) => {
      if (request.url === "/sentinel") {
        response.writeHead(204).end();
        return;
      }
      response.writeHead(200, { "Content-Type": "text/html; charset=utf-8" });
      response.end(`<!doctype html><html lang="en-GB"><head><title>Shop</title>
        <script src="http://127.0.0.1:${port}/consent.js" defer></script>
        </head><body><header><a href="/">Shop</a></header>
        <main><h1>Our products</h1><p>Things to buy.</p></main>
        <footer><a href="#cookies" data-consent-open>Cookie settings</a></footer></body></html>`);
    });
    await new Promise<void>((resolve) => site.listen(0, "127.0.0.1", resolve));
    siteOrigin = `http://localhost:${(site.address() as AddressInfo).port}`;
    port = await freePort();
    persistDir = newPersistDir();
  });
  afterAll(async () => {
    await browser?.close();
    await worker?.stop();
    site?.close();
  });

  // Two worker starts and a browser on a busy two-core machine: more than the default minute.
  it("reports the missing origin once, does not retry in a loop, and delivers the choice once the origin is allowed", {
    timeout: 240_000,
  }, async () => {
    // The owner listed the www host, but the shop is served without it.
    const misconfigured = `http://www.localhost:${new URL(siteOrigin).port}`;
    worker = await startWorker({ port, persistDir, vars: { ALLOWED_ORIGINS: misconfigured } });

    const { context, page, errors } = await visit(browser, "");
    try {
      const posts: string[] = [];
      const sentinels: string[] = [];
      page.on("request", (request) => {
        if (request.url().includes("/api/consent") && request.method() === "POST") posts.push(request.url());
        if (request.url().endsWith("/sentinel")) sentinels.push(request.url());
      });
      const messages: string[] = [];
      page.on("console", (message) => {
        if (message.text().startsWith(PREFIX)) messages.push(`${message.type()}: ${message.text()}`);
      });
      // The page's clock is driven by the test, so the widget's backoff timers fire without waiting.
      await page.clock.install();
      await page.goto(`${siteOrigin}/`);
      await page.getByRole("button", { name: "Reject all" }).click();

      await expect.poll(() => messages, { timeout: 30_000 }).toHaveLength(1);
      expect(messages[0]).toMatch(/^error: /);
      expect(messages[0]).toContain(siteOrigin);
      expect(messages[0]).toContain(`http://127.0.0.1:${port}`);
      expect(messages[0]).toContain("ALLOWED_ORIGINS");

      // Well past the first backoffs (2 s, 4 s, 8 s …): a retry loop would have posted again.
      await page.clock.runFor(15 * 60_000);
      // A request the page starts after any retry the timers started: once it is seen, so would they be.
      await page.evaluate(() => fetch("/sentinel"));
      await expect.poll(() => sentinels).toHaveLength(1);
      expect(posts).toHaveLength(1);
      expect(messages).toHaveLength(1);
      expect(errors).toEqual([]);

      // The choice applies for the visitor, and the event waits in the outbox.
      const consentId = await page.evaluate(() => window.OpenContactConsent?.get()?.consentId);
      expect(consentId).toMatch(/^[0-9a-f-]{36}$/);
      const waiting = await page.evaluate(
        (key) => JSON.parse(localStorage.getItem(key) ?? "[]") as { event: { consentId: string; method: string } }[],
        OUTBOX,
      );
      expect(waiting.map(({ event }) => [event.consentId, event.method])).toEqual([[consentId, "reject_all"]]);
      expect(queryD1(persistDir, "SELECT COUNT(*) AS n FROM consent_events")).toEqual([{ n: 0 }]);
      await page.close();

      // The owner fixes the setting; the worker restarts at the same origin with the same log.
      await worker.stop();
      expect(queryD1(persistDir, "SELECT origin, refusals FROM refused_origins")).toEqual([
        { origin: siteOrigin, refusals: 1 },
      ]);
      worker = await startWorker({ port, persistDir, vars: { ALLOWED_ORIGINS: `${misconfigured},${siteOrigin}` } });

      // The visitor's next page load delivers what waited, without a new choice.
      const next = await context.newPage();
      await next.goto(`${siteOrigin}/`);
      await waitForEmptyOutbox(next);
      const rows = queryD1<{ method: string; page_url: string }>(
        persistDir,
        `SELECT method, page_url FROM consent_events WHERE consent_id = '${consentId}'`,
      );
      expect(rows).toEqual([{ method: "reject_all", page_url: `${siteOrigin}/` }]);
    } finally {
      await context.close();
    }
  });
});
