/**
 * The core and its parts in Chromium, on a site of another origin (the
 * scenario of widget-csp.test.ts): the core, pinned or not, loads the
 * dialog's part with the SRI hash baked into it, under strict policies; a
 * tampered part is refused and a blocked one retried, while the banner keeps
 * working; a returning visitor's page loads no part at all.
 */
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { Browser, Page, Request } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CHROMIUM, launchBrowser } from "./browser.ts";
import { serveSiteAndWorker } from "./site-server.ts";
import { visit, waitForEmptyOutbox } from "./widget-helpers.ts";
import type { WorkerServer } from "./worker-server.ts";

const NONCE = "cGFydHMtdGVzdC1ub25jZQ";
/** What the dialog's buttons say once its part failed (widget/ui/mount.tsx, DIALOG_FAILED). */
const DIALOG_FAILED = "Could not load. Try again";

interface Release {
  path: string;
  integrity: string;
  parts: Record<string, { path: string; integrity: string }>;
}

describe.skipIf(!CHROMIUM)("widget parts in Chromium", () => {
  let browser: Browser;
  let site: Server;
  let worker: WorkerServer;
  let siteOrigin = "";
  let widgetOrigin = "";
  const release = () => JSON.parse(readFileSync("dist/public/consent-release.json", "utf8")) as Release;

  /** Site pages: the policy naming only the consent host, or a nonce with 'strict-dynamic'. */
  const pages: Record<string, () => { csp: string; tag: string }> = {
    "/pinned": () => ({
      csp: `default-src 'none'; script-src ${widgetOrigin}; style-src ${widgetOrigin}; connect-src ${widgetOrigin}`,
      tag: `<script src="${widgetOrigin}${release().path}" integrity="${release().integrity}" crossorigin="anonymous" defer></script>`,
    }),
    "/current": () => ({
      csp: `default-src 'none'; script-src ${widgetOrigin}; style-src ${widgetOrigin}; connect-src ${widgetOrigin}`,
      tag: `<script src="${widgetOrigin}/consent.js"></script>`,
    }),
    "/strict-dynamic": () => ({
      csp: `default-src 'none'; script-src 'nonce-${NONCE}' 'strict-dynamic'; style-src ${widgetOrigin}; connect-src ${widgetOrigin}`,
      tag: `<script src="${widgetOrigin}${release().path}" integrity="${release().integrity}" crossorigin="anonymous" nonce="${NONCE}" defer></script>`,
    }),
  };

  beforeAll(async () => {
    browser = await launchBrowser();
    site = createServer((request, response) => {
      const page = pages[request.url ?? ""];
      if (!page) {
        response.writeHead(404).end();
        return;
      }
      const { csp, tag } = page();
      response.writeHead(200, { "Content-Type": "text/html; charset=utf-8", "Content-Security-Policy": csp });
      response.end(`<!doctype html><html lang="en-GB"><head><title>Shop</title>${tag}</head>
        <body><main><h1>A shop on its own origin</h1><p>Content.</p></main></body></html>`);
    });
    ({ siteOrigin, widgetOrigin, worker } = await serveSiteAndWorker(site));
  });
  afterAll(async () => {
    await browser?.close();
    await worker?.stop();
    site?.close();
  });

  /**
   * An init script: records in `window.partsRan` each part whose script has run (its load event
   * fires once it has; load does not bubble, so it is seen in the capture phase).
   */
  const recordPartsRun = () =>
    document.addEventListener(
      "load",
      (event) => {
        const name = /\/parts\/([\w-]+)\./.exec((event.target as HTMLScriptElement).src ?? "")?.[1];
        const page = window as { partsRan?: string[] };
        if (name) page.partsRan = [...(page.partsRan ?? []), name];
      },
      true,
    );

  /** Every request the page makes to the consent host, in order. */
  function widgetRequests(page: Page): string[] {
    const urls: string[] = [];
    page.on("request", (request: Request) => {
      if (request.url().startsWith(widgetOrigin)) urls.push(request.url().slice(widgetOrigin.length));
    });
    return urls;
  }

  /** The part scripts the core put in <head>, with their integrity attributes. */
  const partScripts = (page: Page) =>
    page.evaluate(() =>
      [...document.head.querySelectorAll<HTMLScriptElement>("script[src*='/parts/']")].map((script) => [
        new URL(script.src).pathname,
        script.integrity,
        script.crossOrigin,
      ]),
    );

  it.each([
    ["/pinned", "pinned with SRI, under a policy naming only the consent host"],
    ["/strict-dynamic", "pinned with SRI and a nonce, under 'strict-dynamic'"],
    ["/current", "from /consent.js, under a policy naming only the consent host"],
  ])("%s: the core loads its parts with SRI from the consent host (%s)", async (path) => {
    const { parts } = release();
    const folder = path === "/current" ? "/" : release().path.replace("consent.js", "");
    const expected = (name: string) => `${folder}${parts[name]?.path.replace(/^\/v\/[^/]+\//, "")}`;
    const { context, page, violations, errors } = await visit(browser, "");
    const requests = widgetRequests(page);
    try {
      await page.goto(`${siteOrigin}${path}`);
      await page.getByRole("button", { name: "Accept all" }).waitFor();
      // The banner is the core's own; the dialog's part is fetched only once a way to it is hovered, touched,
      // focused or pressed: a visitor who only answers the banner never downloads it.
      await page.waitForLoadState("networkidle");
      expect(requests.filter((url) => url.includes("/parts/"))).toEqual([]);
      await page.getByRole("button", { name: "Manage preferences" }).hover();
      await expect.poll(() => requests.includes(expected("dialog")), { timeout: 30_000 }).toBe(true);
      await page.getByRole("button", { name: "Manage preferences" }).click();
      await page.getByRole("dialog", { name: "Cookie preferences" }).waitFor();
      expect(await partScripts(page)).toEqual([[expected("dialog"), parts.dialog?.integrity, "anonymous"]]);
      expect(requests.filter((url) => url.includes("/parts/"))).toEqual([expected("dialog")]);
      await page.getByRole("button", { name: "Save choices" }).click();
      await waitForEmptyOutbox(page);
      expect(await page.evaluate(() => window.OpenContactConsent?.get()?.choices)).toEqual({
        analytics: false,
        functionality: false,
        targeting: false,
      });
      expect(violations).toEqual([]);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it("refuses a tampered dialog part, and the visitor can still accept or reject", async () => {
    const { context, page, errors } = await visit(browser, "");
    const logs: string[] = [];
    page.on("console", (message) => logs.push(message.text()));
    try {
      // The pinned core's dialog part, one statement longer than the build made it.
      await page.route(`${widgetOrigin}${release().parts.dialog?.path}`, async (route) => {
        const response = await route.fetch();
        await route.fulfill({ response, body: `${await response.text()};window.tampered=true;` });
      });
      await page.goto(`${siteOrigin}/pinned`);
      await page.getByRole("button", { name: "Manage preferences" }).click();
      await page.getByRole("button", { name: DIALOG_FAILED }).waitFor({ timeout: 30_000 });
      expect(await page.evaluate(() => (window as { tampered?: boolean }).tampered)).toBeUndefined();
      expect(logs.some((text) => /integrity/i.test(text))).toBe(true);
      expect(await page.getByRole("dialog").count()).toBe(0);
      await page.getByRole("button", { name: "Reject all" }).click();
      await waitForEmptyOutbox(page);
      expect(await page.evaluate(() => window.OpenContactConsent?.get()?.choices)).toEqual({
        analytics: false,
        functionality: false,
        targeting: false,
      });
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it("with the dialog part blocked, the banner works and Manage says so; a press after unblocking opens it", async () => {
    const { context, page, errors } = await visit(browser, "");
    const dialogPart = `${widgetOrigin}${release().parts.dialog?.path}`;
    let blocked = 0;
    try {
      await page.addInitScript(recordPartsRun);
      await page.route(dialogPart, (route) => {
        blocked++;
        return route.abort("internetdisconnected");
      });
      await page.goto(`${siteOrigin}/pinned`);
      const manage = page.getByRole("button", { name: "Manage preferences" });
      await manage.click();
      const retry = page.getByRole("button", { name: DIALOG_FAILED });
      await retry.waitFor({ timeout: 30_000 });
      // Still blocked: a press tries again, and the button still says it could not load.
      const tries = blocked;
      await retry.click();
      await expect.poll(() => blocked, { timeout: 30_000 }).toBeGreaterThan(tries);
      await retry.waitFor();
      expect(await page.getByRole("dialog").count()).toBe(0);
      expect(await page.getByRole("button", { name: "Accept all" }).isEnabled()).toBe(true);
      expect(await page.getByRole("button", { name: "Reject all" }).isEnabled()).toBe(true);
      await page.unroute(dialogPart);
      // A visitor points at the button before pressing it: the part arrives, and runs, on hover.
      await page.mouse.move(0, 0);
      await retry.hover();
      await page.waitForFunction(() => (window as { partsRan?: string[] }).partsRan?.includes("dialog"));
      expect(await page.getByRole("dialog").count()).toBe(0);
      await retry.click();
      await page.getByRole("dialog", { name: "Cookie preferences" }).waitFor({ timeout: 30_000 });
      // Focus went into the dialog; the banner's button is labelled as before behind it.
      expect(await page.getByRole("button", { name: "Manage preferences", includeHidden: true }).count()).toBe(1);
      await page.getByRole("dialog").getByRole("button", { name: "Accept all" }).click();
      await waitForEmptyOutbox(page);
      expect(await page.evaluate(() => window.OpenContactConsent?.get()?.choices.targeting)).toBe(true);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it("a returning visitor's page requests the core and nothing else", async () => {
    const { context, page, errors } = await visit(browser, `${siteOrigin}/pinned`);
    try {
      await page.getByRole("button", { name: "Accept all" }).click();
      await waitForEmptyOutbox(page);
      const requests = widgetRequests(page);
      await page.reload();
      await page.getByRole("button", { name: "Cookie settings" }).waitFor();
      await page.waitForLoadState("networkidle");
      // After the page's next idle moment (callbacks run in order, so after any the core asked for):
      // without a banner the dialog's part is not prefetched.
      await page.evaluate(() => new Promise((resolve) => requestIdleCallback(resolve, { timeout: 5000 })));
      expect(requests).toEqual([release().path]);
      expect(await partScripts(page)).toEqual([]);
      expect(await page.evaluate(() => window.OpenContactConsent?.get()?.choices.analytics)).toBe(true);
      // Asked for, the dialog still comes.
      await page.getByRole("button", { name: "Cookie settings" }).click();
      await page.getByRole("dialog", { name: "Cookie preferences" }).waitFor();
      expect(requests).toEqual([release().path, release().parts.dialog?.path]);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
