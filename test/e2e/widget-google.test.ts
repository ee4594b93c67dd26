/**
 * Google Consent Mode order in Chromium, on a shop page with Google's real
 * gtag snippet: with the documented placement (consent.js without defer,
 * early in <head>, after the dataLayer is made) the default is the first
 * command Google's tag reads, and the banner still shifts no layout; with
 * `defer` the default comes after `config`, and the console says so once.
 * googletagmanager.com is a local stand-in (page.route): no internet here.
 */
import type { BrowserContext, Page } from "playwright-core";
import { describe, expect, inject, it } from "vitest";
import { CHROMIUM, useBrowser } from "./browser.ts";
import { visit } from "./widget-helpers.ts";

const MEASUREMENT_ID = "G-TEST123";

/** Google's snippet, as its tag settings page gives it. */
const GTAG_SNIPPET = `<script async src="https://www.googletagmanager.com/gtag/js?id=${MEASUREMENT_ID}"></script>
    <script>
      window.dataLayer = window.dataLayer || [];
      function gtag(){dataLayer.push(arguments);}
      gtag('js', new Date());
      gtag('config', '${MEASUREMENT_ID}');
    </script>`;

/**
 * Stands in for gtag.js: like the real one it reads the queue once it loads,
 * then every later push, and keeps what it read, in order.
 */
const GTAG_STAND_IN = `(() => {
  const read = (command) => (command[0] === "consent" ? "consent " + command[1] : String(command[0]));
  window.tagRead = Array.from(window.dataLayer, read);
  const push = window.dataLayer.push.bind(window.dataLayer);
  window.dataLayer.push = (...commands) => {
    for (const command of commands) window.tagRead.push(read(command));
    return push(...commands);
  };
})();`;

function shopPage(head: string): string {
  return `<!doctype html><html lang="en-GB"><head><meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>Headsets | A small shop</title>
    ${head}
    </head><body>
    <header><a href="/">A small shop</a> <nav><a href="#">Headsets</a> <a href="#">Support</a></nav></header>
    <main><h1>Headsets for contact centres</h1>
    <p>Light, wired and wireless headsets with noise cancelling, tested by our own agents on long shifts.</p>
    <ul><li>Wired, USB-C: £39</li><li>Wireless, 30 hours: £89</li></ul></main>
    <footer><a href="#cookie-settings" data-consent-open>Cookie settings</a></footer>
    </body></html>`;
}

/** The page is served at `path` on the worker's own origin (so consent.js and the log are the real ones). */
async function open(context: BrowserContext, page: Page, path: string, html: string): Promise<string[]> {
  const warnings: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "warning" && message.text().startsWith("OpenContact Consent:")) {
      warnings.push(message.text());
    }
  });
  await context.route("https://www.googletagmanager.com/gtag/js**", (route) =>
    route.fulfill({ contentType: "text/javascript", body: GTAG_STAND_IN }),
  );
  await page.route(`**${path}`, (route) => route.fulfill({ contentType: "text/html; charset=utf-8", body: html }));
  await page.addInitScript(() => {
    const page = window as unknown as { layoutShift: number };
    page.layoutShift = 0;
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries() as (PerformanceEntry & { value: number; hadRecentInput: boolean })[]) {
        if (!entry.hadRecentInput) page.layoutShift += entry.value;
      }
    }).observe({ type: "layout-shift", buffered: true });
  });
  await page.goto(`${inject("baseUrl")}${path}`);
  await page.waitForFunction(() => Array.isArray((window as unknown as { tagRead?: string[] }).tagRead));
  return warnings;
}

const dataLayerOrder = (page: Page) =>
  page.evaluate(() =>
    Array.from((window as unknown as { dataLayer: ArrayLike<unknown>[] }).dataLayer, (command) =>
      command[0] === "consent" ? `consent ${command[1]}` : String(command[0]),
    ),
  );

const tagRead = (page: Page) => page.evaluate(() => (window as unknown as { tagRead: string[] }).tagRead);

describe.skipIf(!CHROMIUM)("Google Consent Mode order with Google's gtag snippet", () => {
  const browser = useBrowser();

  it("the documented placement puts the default before Google's commands, and the banner shifts nothing", async () => {
    const { context, page, errors } = await visit(browser(), "");
    try {
      const warnings = await open(
        context,
        page,
        "/shop/documented.html",
        shopPage(`<script>window.dataLayer = window.dataLayer || [];</script>
    <script src="/consent.js"></script>
    ${GTAG_SNIPPET}`),
      );
      expect(await dataLayerOrder(page)).toEqual(["consent default", "js", "config"]);
      expect((await tagRead(page))[0]).toBe("consent default");
      const accept = page.getByRole("button", { name: "Accept all" });
      await accept.waitFor();
      await page.waitForLoadState("load");
      // Two frames after load: any shift the banner caused has been reported by then.
      await page.evaluate(() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done))));
      expect(await page.evaluate(() => (window as unknown as { layoutShift: number }).layoutShift)).toBe(0);
      await accept.click();
      await expect.poll(() => tagRead(page)).toEqual(["consent default", "js", "config", "consent update"]);
      expect(
        await page.evaluate(() => {
          const dataLayer = (window as unknown as { dataLayer: ArrayLike<unknown>[] }).dataLayer;
          return dataLayer[dataLayer.length - 1]?.[2];
        }),
      ).toMatchObject({ analytics_storage: "granted", ad_storage: "granted" });
      expect(warnings).toEqual([]);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it("with defer the default comes after Google's config, and the console says so once, naming the fix", async () => {
    const { context, page, errors } = await visit(browser(), "");
    try {
      const warnings = await open(
        context,
        page,
        "/shop/deferred.html",
        shopPage(`<script src="/consent.js" defer></script>
    ${GTAG_SNIPPET}`),
      );
      await page.getByRole("button", { name: "Accept all" }).waitFor();
      expect(await dataLayerOrder(page)).toEqual(["js", "config", "consent default"]);
      await expect
        .poll(() => warnings)
        .toEqual([
          "OpenContact Consent: Google tag commands came before the consent default: load consent.js without defer, before Google's tag",
        ]);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
