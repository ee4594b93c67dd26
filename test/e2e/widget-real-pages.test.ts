/**
 * The widget on pages that treat the DOM the way real sites do, in Chromium:
 * Turbo Drive-style navigation that replaces `<body>` (both ways Turbo and
 * routers do it), a single-page app that swaps part of the body, and a site
 * whose CSP is a nonce plus `'strict-dynamic'`, where anything the widget
 * inserts would be trusted.
 */
import { createServer, type Server } from "node:http";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CHROMIUM, launchBrowser } from "./browser.ts";
import { serveSiteAndWorker } from "./site-server.ts";
import { visit } from "./widget-helpers.ts";
import type { WorkerServer } from "./worker-server.ts";

const NONCE = "c3RyaWN0LWR5bmFtaWM";

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

/**
 * What Turbo Drive does on a link click: fetch the next page, parse it, swap in its <body>
 * (`document.body = …` or, as older Turbo and some routers do, `replaceChild`) and push the URL.
 */
const TURBO_NAVIGATION = `
  document.addEventListener("click", async (event) => {
    const link = event.target.closest("a[data-swap]");
    if (!link) return;
    event.preventDefault();
    const html = await (await fetch(link.href)).text();
    const next = new DOMParser().parseFromString(html, "text/html");
    document.title = next.title;
    if (link.dataset.swap === "assign") document.body = next.body;
    else document.documentElement.replaceChild(next.body, document.body);
    history.pushState({}, "", link.href);
  });`;

function turboPage(page: number): string {
  return `<!doctype html><html lang="en-GB"><head><title>Page ${page}</title>
    <script>${TURBO_NAVIGATION}</script>
    <script src="%WIDGET%/consent.js" defer></script>
    </head><body><nav><a href="/turbo/${page + 1}" data-swap="${page % 2 ? "assign" : "replace"}">Next page</a>
    <a href="#cookies" data-consent-open>Cookie settings</a></nav>
    <main><h1>Page ${page}</h1></main>
    <script type="text/plain" data-category="analytics" src="/run.js?name=analytics-${page}"></script>
    <script type="text/plain" data-category="targeting" src="/run.js?name=targeting-${page}"></script>
    </body></html>`;
}

/** A client-side router that re-renders one region and pushes the URL. */
const SPA_PAGE = `<!doctype html><html lang="en-GB"><head><title>App</title>
  <script src="%WIDGET%/consent.js" defer></script>
  </head><body><nav><a href="/spa/stats">Stats</a> <a href="/spa/ads">Ads</a></nav><div id="app"><h1>Home</h1></div>
  <script>
    const views = {
      "/spa/stats": '<h1>Stats</h1><script type="text/plain" data-category="analytics" src="/run.js?name=stats"><\\/script>',
      "/spa/ads": '<h1>Ads</h1><script type="text/plain" data-category="targeting" src="/run.js?name=ads"><\\/script>',
    };
    document.querySelector("nav").addEventListener("click", (event) => {
      event.preventDefault();
      const path = new URL(event.target.href).pathname;
      history.pushState({}, "", path);
      document.getElementById("app").innerHTML = views[path];
    });
  </script></body></html>`;

/** A nonce plus 'strict-dynamic': scripts inserted by a nonced script are trusted, whoever asked for them. */
const STRICT_PAGE = `<!doctype html><html lang="en-GB"><head><title>Strict dynamic</title>
  <script nonce="${NONCE}" src="%WIDGET%/consent.js" defer></script>
  </head><body><main><h1>A strict-dynamic site</h1><div id="comments"></div></main>
  <script type="text/plain" data-category="analytics" nonce="${NONCE}">(window.runs = window.runs || []).push("nonced");</script>
  <iframe data-category="analytics" data-src="/frame.html" title="Stats"></iframe>
  <script nonce="${NONCE}">
    // Markup the site renders from data it does not control (say, a comment) lands in the page as is.
    const tag = document.createElement("script");
    tag.type = "text/plain";
    tag.dataset.category = "analytics";
    tag.dataset.src = "/run.js?name=injected";
    document.getElementById("comments").append(tag);
  </script></body></html>`;

describe.skipIf(!CHROMIUM)("the widget on real pages in Chromium", () => {
  let browser: Browser;
  let site: Server;
  let worker: WorkerServer;
  let siteOrigin = "";
  let widgetOrigin = "";

  beforeAll(async () => {
    browser = await launchBrowser();
    site = createServer((request, response) => {
      const url = new URL(request.url ?? "/", siteOrigin);
      const html = (body: string, headers: Record<string, string> = {}) => {
        response.writeHead(200, { "Content-Type": "text/html; charset=utf-8", ...headers });
        response.end(body.replaceAll("%WIDGET%", widgetOrigin));
      };
      if (url.pathname === "/run.js") {
        response.writeHead(200, { "Content-Type": "text/javascript" });
        response.end(`(window.runs = window.runs || []).push(${JSON.stringify(url.searchParams.get("name"))});`);
      } else if (url.pathname === "/frame.html") {
        html("<!doctype html><title>Stats</title><p>Stats");
      } else if (url.pathname.startsWith("/turbo/")) {
        html(turboPage(Number(url.pathname.slice("/turbo/".length))));
      } else if (url.pathname.startsWith("/spa")) {
        html(SPA_PAGE);
      } else {
        html(STRICT_PAGE, { "Content-Security-Policy": `script-src 'nonce-${NONCE}' 'strict-dynamic'` });
      }
    });
    ({ siteOrigin, widgetOrigin, worker } = await serveSiteAndWorker(site));
  });
  afterAll(async () => {
    await browser?.close();
    await worker?.stop();
    site?.close();
  });

  it("survives Turbo-style navigation that replaces <body>: banner, showBanner(), data-consent-open and gating", async () => {
    const { context, page, errors } = await visit(browser, "");
    try {
      await page.goto(`${siteOrigin}/turbo/1`);
      const banner = page.getByRole("region", { name: "Cookie choices" });
      await banner.waitFor();

      // document.body = newBody, before any choice: the banner comes back, the new tags stay inert.
      await page.getByRole("link", { name: "Next page" }).click();
      await page.getByRole("heading", { name: "Page 2" }).waitFor();
      await banner.waitFor();
      expect(await page.evaluate(() => document.body.firstElementChild?.localName)).toBe("opencontact-consent");
      await page.waitForLoadState("networkidle");
      expect(await runs(page)).toEqual([]);

      // The choice runs the new body's analytics tag, and nothing else.
      await page.getByRole("button", { name: "Manage preferences" }).click();
      await page.getByRole("switch", { name: "Analytical or performance cookies" }).click();
      await page.getByRole("button", { name: "Save choices" }).click();
      await waitForRuns(page, ["analytics-2"]);

      // replaceChild(newBody, oldBody) after the choice: allowed tags in the new body run at once.
      await page.getByRole("link", { name: "Next page" }).click();
      await page.getByRole("heading", { name: "Page 3" }).waitFor();
      await waitForRuns(page, ["analytics-3"]);
      await page.waitForLoadState("networkidle");
      expect(await runs(page)).toEqual(["analytics-2", "analytics-3"]);
      expect(await page.locator('script[src="/run.js?name=targeting-3"]').getAttribute("type")).toBe("text/plain");

      // The ways back still work: the new body's own link, and the API.
      await page.getByRole("link", { name: "Cookie settings" }).click();
      const dialog = page.getByRole("dialog", { name: "Cookie preferences" });
      await dialog.waitFor();
      expect(await page.getByRole("switch", { name: "Analytical or performance cookies" }).isChecked()).toBe(true);
      await page.getByRole("button", { name: "Close" }).click();
      await dialog.waitFor({ state: "detached" });
      await page.evaluate(() => window.OpenContactConsent?.showBanner());
      await banner.waitFor();
      expect(await page.locator("opencontact-consent").count()).toBe(1);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it("keeps gating a single-page app that re-renders part of the body", async () => {
    const { context, page } = await visit(browser, "");
    try {
      await page.goto(`${siteOrigin}/spa`);
      await page.getByRole("region", { name: "Cookie choices" }).waitFor();
      await page.getByRole("link", { name: "Stats" }).click();
      await page.getByRole("heading", { name: "Stats" }).waitFor();
      await page.waitForLoadState("networkidle");
      expect(await runs(page)).toEqual([]);

      await page.evaluate(() => window.OpenContactConsent?.set({ analytics: true }));
      await waitForRuns(page, ["stats"]);
      await page.getByRole("link", { name: "Ads" }).click();
      await page.getByRole("heading", { name: "Ads" }).waitFor();
      await page.getByRole("link", { name: "Stats" }).click();
      await page.getByRole("heading", { name: "Stats" }).waitFor();
      await page.waitForFunction(() => (window as unknown as { runs: string[] }).runs.length === 2);
      await page.waitForLoadState("networkidle");
      expect(await runs(page)).toEqual(["stats", "stats"]);
    } finally {
      await context.close();
    }
  });

  it("under 'strict-dynamic' runs only gated scripts carrying the widget's nonce, and names the others", async () => {
    const { context, page, violations, errors } = await visit(browser, "");
    const warnings: string[] = [];
    page.on("console", (message) => {
      if (message.text().startsWith("OpenContact Consent: ")) warnings.push(message.text());
    });
    try {
      await page.goto(`${siteOrigin}/`);
      await page.getByRole("button", { name: "Accept all" }).click();
      await waitForRuns(page, ["nonced"]);
      // Gated iframes are not scripts: no nonce needed.
      await expect.poll(() => page.locator("iframe").getAttribute("src")).toBe("/frame.html");
      await page.waitForLoadState("networkidle");
      expect(await runs(page)).toEqual(["nonced"]);
      expect(await page.locator('script[data-src="/run.js?name=injected"]').getAttribute("type")).toBe("text/plain");
      expect(warnings).toEqual([
        `OpenContact Consent: <script type="text/plain" data-category="analytics" data-src="/run.js?name=injected"></script> skipped: add the consent.js tag's nonce`,
      ]);
      expect(violations).toEqual([]);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
