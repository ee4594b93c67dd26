/**
 * A shop migrating from vanilla-cookieconsent, in Chromium: its markup kept
 * as it was (`necessary`, its own category names through the JSON block's
 * `categoryAliases`, Google's gtag snippet gated as `performance`), and the
 * three mistakes such a migration makes, each reported once in the console,
 * naming the tag, before the visitor chooses.
 */
import { createServer, type Server } from "node:http";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CHROMIUM, launchBrowser } from "./browser.ts";
import { serveSiteAndWorker } from "./site-server.ts";
import { visit } from "./widget-helpers.ts";
import type { WorkerServer } from "./worker-server.ts";

/** Scripts the stand-ins below ran, in order. */
function runs(page: Page): Promise<string[]> {
  return page.evaluate(() => (window as unknown as { runs?: string[] }).runs ?? []);
}

function waitForRuns(page: Page, expected: string[]): Promise<unknown> {
  return page.waitForFunction(
    (names) => names.every((name) => ((window as unknown as { runs?: string[] }).runs ?? []).includes(name)),
    expected,
    { timeout: 20_000 },
  );
}

/** The widget's console warnings, as a site owner sees them. */
function collectWarnings(page: Page): string[] {
  const warnings: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "warning" && message.text().startsWith("OpenContact Consent: ")) {
      warnings.push(message.text());
    }
  });
  return warnings;
}

describe.skipIf(!CHROMIUM)("a vanilla-cookieconsent page migrated to the widget, in Chromium", () => {
  let browser: Browser;
  let site: Server;
  let worker: WorkerServer;
  let siteOrigin = "";
  let widgetOrigin = "";

  beforeAll(async () => {
    browser = await launchBrowser();
    site = createServer((request, response) => {
      const url = new URL(request.url ?? "/", siteOrigin);
      if (url.pathname === "/run.js" || url.pathname === "/gtag/js") {
        // Stand-ins for the site's own tags and for googletagmanager.com's gtag.js (no internet here).
        const name = url.pathname === "/gtag/js" ? "gtag.js" : url.searchParams.get("name");
        response.writeHead(200, { "Content-Type": "text/javascript" });
        response.end(`(window.runs = window.runs || []).push(${JSON.stringify(name)});`);
        return;
      }
      if (url.pathname === "/ad.html") {
        response.writeHead(200, { "Content-Type": "text/html" });
        response.end("<!doctype html><title>Ad</title><p>An ad");
        return;
      }
      response.writeHead(200, { "Content-Type": "text/html; charset=utf-8" });
      response.end(`<!doctype html><html lang="en-GB"><head><title>Migrated shop</title>
        <script type="application/json" id="opencontact-consent-config">
          {"categoryAliases": {"marketing": "targeting", "performance": "analytics"}}
        </script>
        <script src="${widgetOrigin}/consent.js" defer></script>
        <script type="text/plain" data-category="performance" async src="/gtag/js?id=G-SHOP"></script>
        <script type="text/plain" data-category="performance">
          window.dataLayer = window.dataLayer || [];
          function gtag(){dataLayer.push(arguments);}
          gtag('js', new Date());
          gtag('config', 'G-SHOP');
          (window.runs = window.runs || []).push("gtag-config");
        </script>
        </head><body><header><a href="#cookies" data-consent-open>Cookie settings</a></header>
        <main><h1>Migrated shop</h1><p>Shoes and bags.</p></main>
        <script type="text/plain" data-category="necessary" src="/run.js?name=necessary"></script>
        <script type="text/plain" data-category="marketing" src="/run.js?name=marketing"></script>
        <script type="text/plain" data-category="!marketing" src="/run.js?name=not-marketing"></script>
        <script type="text/plain" data-category="social" src="/run.js?name=social"></script>
        <script data-category="analytics" src="/run.js?name=unblocked"></script>
        <iframe data-category="marketing" src="/ad.html" title="Ad"></iframe>
        </body></html>`);
    });
    ({ siteOrigin, widgetOrigin, worker } = await serveSiteAndWorker(site));
  });
  afterAll(async () => {
    await browser?.close();
    await worker?.stop();
    site?.close();
  });

  it("runs necessary tags at once and aliased ones only once their category is granted", async () => {
    const { context, page, errors } = await visit(browser, "");
    try {
      await page.goto(`${siteOrigin}/`);
      await page.getByRole("region", { name: "Cookie choices" }).waitFor();
      // Strictly necessary: no choice needed. The untyped script ran by itself (the browser ran it).
      await waitForRuns(page, ["necessary", "unblocked"]);
      await page.waitForLoadState("networkidle");
      expect((await runs(page)).sort()).toEqual(["necessary", "unblocked"]);

      // Analytics only: `performance` is analytics (Google's tag, in its own snippet order);
      // `marketing` is targeting, so it waits, and `!marketing` runs.
      await page.getByRole("button", { name: "Manage preferences" }).click();
      await page.getByRole("switch", { name: "Analytical or performance cookies" }).click();
      await page.getByRole("button", { name: "Save choices" }).click();
      await waitForRuns(page, ["gtag.js", "gtag-config", "not-marketing"]);
      await page.waitForLoadState("networkidle");
      expect(await runs(page)).not.toContain("marketing");
      // The inline snippet ran as Google wrote it: gtag() fed the dataLayer.
      const commands = await page.evaluate(() =>
        (window as unknown as { dataLayer: IArguments[] }).dataLayer.map((entry) => Array.from(entry)[0]),
      );
      expect(commands).toEqual(expect.arrayContaining(["js", "config"]));

      await page.evaluate(() => window.OpenContactConsent?.set({ analytics: true, targeting: true }));
      await waitForRuns(page, ["marketing"]);
      await page.waitForLoadState("networkidle");
      expect((await runs(page)).sort()).toEqual([
        "gtag-config",
        "gtag.js",
        "marketing",
        "necessary",
        "not-marketing",
        "unblocked",
      ]);
      // An unknown category never runs, whatever is granted.
      expect(await page.locator('script[data-category="social"]').getAttribute("type")).toBe("text/plain");
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it("reports each misconfigured tag once, naming it, before any choice and when added later", async () => {
    const { context, page } = await visit(browser, "");
    const warnings = collectWarnings(page);
    try {
      await page.goto(`${siteOrigin}/`);
      await page.getByRole("region", { name: "Cookie choices" }).waitFor();
      await expect.poll(() => warnings.length, { timeout: 20_000 }).toBe(3);
      expect(warnings[0]).toContain('<script type="text/plain" data-category="social" src="/run.js?name=social">');
      expect(warnings[0]).toMatch(/unknown data-category.*analytics.*necessary.*marketing.*categoryAliases/);
      expect(warnings[1]).toContain('<script data-category="analytics" src="/run.js?name=unblocked">');
      expect(warnings[1]).toContain('add type="text/plain"');
      expect(warnings[2]).toContain('<iframe data-category="marketing" src="/ad.html"');
      expect(warnings[2]).toContain("data-src");

      // A tag a tag manager adds later is checked too; choices made afterwards repeat nothing.
      await page.evaluate(() => {
        const tag = document.createElement("script");
        tag.type = "text/plain";
        tag.dataset.category = "ads";
        tag.src = "/run.js?name=ads";
        document.body.append(tag);
      });
      await expect.poll(() => warnings.length, { timeout: 20_000 }).toBe(4);
      expect(warnings[3]).toContain('data-category="ads"');
      await page.getByRole("button", { name: "Accept all" }).click();
      await page.waitForFunction(() => ((window as unknown as { runs?: string[] }).runs ?? []).includes("marketing"));
      await page.getByRole("button", { name: "Cookie settings" }).first().click();
      await page.getByRole("button", { name: "Save choices" }).click();
      await page.waitForLoadState("networkidle");
      expect(warnings).toHaveLength(4);
    } finally {
      await context.close();
    }
  });
});
