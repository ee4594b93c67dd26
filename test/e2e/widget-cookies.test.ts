/**
 * The consent cookie on a real host name in Chromium: a shop at
 * www.shop.test that adds `data-cookie-domain` after visitors have chosen,
 * one that names a domain the browser refuses, and withdrawal of the Google
 * Ads and Meta cookies its tags set on the registrable domain.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeRecord } from "../../widget/consent-state.ts";
import { CHROMIUM, useBrowser } from "./browser.ts";
import { visit, waitForEmptyOutbox } from "./widget-helpers.ts";
import { freePort, queryD1, startWorker, type WorkerServer } from "./worker-server.ts";

const CONSENT_COOKIE = "opencontact_consent";

/** The shop's page; `?domain=` picks the widget tag's data-cookie-domain, as the site's config would. */
function shopPage(widgetOrigin: string, cookieDomain: string | null): string {
  const domain = cookieDomain && /^[a-z0-9.-]+$/.test(cookieDomain) ? ` data-cookie-domain="${cookieDomain}"` : "";
  // Tags set their cookies on the registrable domain, as gtag.js and the Meta Pixel do by default.
  return `<!doctype html><html lang="en-GB"><head><title>Shop</title>
    <script>window.runs = [];</script>
    <script src="${widgetOrigin}/consent.js"${domain} defer></script>
    </head><body><main><h1>Shop</h1><p>Products.</p></main>
    <script type="text/plain" data-category="analytics">
      document.cookie = "_ga=GA1.1.1234567890.1700000000; Path=/; Domain=shop.test; Max-Age=3600";
      window.runs.push("analytics");
    </script>
    <script type="text/plain" data-category="targeting">
      document.cookie = "_gcl_au=1.1.1234567890.1700000000; Path=/; Domain=shop.test; Max-Age=3600";
      document.cookie = "_fbp=fb.1.1700000000000.1234567890; Path=/; Domain=shop.test; Max-Age=3600";
      document.cookie = "_fbc=fb.1.1700000000000.IwAR2F4; Path=/; Domain=shop.test; Max-Age=3600";
      window.runs.push("targeting");
    </script>
    <script type="text/plain" data-category="!analytics">window.runs.push("not-analytics");</script>
    </body></html>`;
}

function runs(page: Page): Promise<string[]> {
  return page.evaluate(() => (window as unknown as { runs: string[] }).runs);
}

/**
 * Waits until the gated tags of the current choice ran: exactly one of `analytics` and `!analytics` runs for
 * any choice, and inline tags run in one go, so the first run means they all did.
 */
async function waitForGatedTags(page: Page): Promise<string[]> {
  await page.waitForFunction(() => ((window as unknown as { runs?: string[] }).runs?.length ?? 0) > 0, undefined, {
    timeout: 30_000,
  });
  return runs(page);
}

async function consentCookies(context: BrowserContext) {
  return (await context.cookies()).filter((cookie) => cookie.name === CONSENT_COOKIE);
}

describe.skipIf(!CHROMIUM)("the consent cookie on www.shop.test in Chromium", () => {
  const browser = useBrowser(["--host-resolver-rules=MAP www.shop.test 127.0.0.1, MAP shop.test 127.0.0.1"]);
  let site: Server;
  let worker: WorkerServer;
  let shop = "";

  beforeAll(async () => {
    const widgetPort = await freePort();
    site = createServer((request, response) => {
      const url = new URL(request.url ?? "/", "http://www.shop.test");
      response.writeHead(200, { "Content-Type": "text/html; charset=utf-8" });
      response.end(shopPage(`http://127.0.0.1:${widgetPort}`, url.searchParams.get("domain")));
    });
    await new Promise<void>((resolve) => site.listen(0, "127.0.0.1", resolve));
    shop = `http://www.shop.test:${(site.address() as AddressInfo).port}`;
    worker = await startWorker({ port: widgetPort, vars: { ALLOWED_ORIGINS: shop } });
  });
  afterAll(async () => {
    await worker?.stop();
    site?.close();
  });

  it("a refusal after the site adds data-cookie-domain wins over the older host-only acceptance", async () => {
    const { context, page, errors } = await visit(browser(), `${shop}/`);
    try {
      await page.getByRole("button", { name: "Accept all" }).click();
      expect(await waitForGatedTags(page)).toEqual(["analytics", "targeting"]);
      await waitForEmptyOutbox(page);
      expect((await consentCookies(context)).map((cookie) => cookie.domain)).toEqual(["www.shop.test"]);

      // The site now shares the choice across its subdomains; the visitor changes their mind.
      await page.goto(`${shop}/?domain=shop.test`);
      expect(await waitForGatedTags(page)).toEqual(["analytics", "targeting"]);
      const consentId = await page.evaluate(() => window.OpenContactConsent?.get()?.consentId);
      const reloaded = page.waitForEvent("load");
      await page.getByRole("button", { name: "Cookie settings" }).click();
      await page
        .getByRole("dialog", { name: "Cookie preferences" })
        .getByRole("button", { name: "Reject all" })
        .click();
      // Withdrawing analytics reloads the page, which reads the cookies back.
      await reloaded;
      expect(await waitForGatedTags(page)).toEqual(["not-analytics"]);
      expect(await page.getByRole("region", { name: "Cookie choices" }).count()).toBe(0);

      const cookies = await consentCookies(context);
      expect(cookies.map((cookie) => cookie.domain)).toEqual([".shop.test"]);
      expect(decodeRecord(cookies[0]?.value, Date.now())).toMatchObject({
        consentId,
        choices: { analytics: false, functionality: false, targeting: false },
      });
      expect((await context.cookies()).map((cookie) => cookie.name)).not.toContain("_ga");

      await waitForEmptyOutbox(page);
      const rows = queryD1<{ method: string; analytics: number; functionality: number; targeting: number }>(
        worker.persistDir,
        `SELECT method, analytics, functionality, targeting FROM consent_events WHERE consent_id = '${consentId}' ORDER BY id`,
      );
      // Turning off what was granted is logged as a withdrawal (GDPR Art. 7(3)): the log's latest row is the refusal.
      expect(rows).toEqual([
        { method: "accept_all", analytics: 1, functionality: 1, targeting: 1 },
        { method: "withdraw", analytics: 0, functionality: 0, targeting: 0 },
      ]);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it("a cookie domain the browser refuses: one console message, and the choice kept host-only", async () => {
    const { context, page, errors } = await visit(browser(), "");
    const messages: string[] = [];
    page.on("console", (message) => {
      if (message.text().startsWith("OpenContact Consent: ")) messages.push(message.text());
    });
    try {
      await page.goto(`${shop}/?domain=example.org`);
      await page.getByRole("button", { name: "Accept all" }).click();
      await waitForGatedTags(page);
      await expect.poll(() => messages.length).toBe(1);
      expect(messages[0]).toContain('"example.org"');
      expect(messages[0]).toContain("www.shop.test");
      expect((await consentCookies(context)).map((cookie) => cookie.domain)).toEqual(["www.shop.test"]);

      // Next page: the visitor is not asked again.
      await page.reload();
      expect(await waitForGatedTags(page)).toEqual(["analytics", "targeting"]);
      expect(await page.getByRole("region", { name: "Cookie choices" }).count()).toBe(0);
      expect(messages).toHaveLength(1);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it("withdrawing targeting deletes the Google Ads and Meta cookies its tags set", async () => {
    const { context, page, errors } = await visit(browser(), `${shop}/?domain=shop.test`);
    try {
      await page.getByRole("button", { name: "Accept all" }).click();
      expect(await waitForGatedTags(page)).toEqual(["analytics", "targeting"]);
      const names = async () => (await context.cookies()).map((cookie) => cookie.name).sort();
      expect(await names()).toEqual(["_fbc", "_fbp", "_ga", "_gcl_au", CONSENT_COOKIE]);

      const reloaded = page.waitForEvent("load");
      await page.getByRole("button", { name: "Cookie settings" }).click();
      await page.getByRole("switch", { name: "Targeting cookies" }).click();
      await page.getByRole("button", { name: "Save choices" }).click();
      await reloaded;
      expect(await waitForGatedTags(page)).toEqual(["analytics"]);
      expect(await names()).toEqual(["_ga", CONSENT_COOKIE]);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
