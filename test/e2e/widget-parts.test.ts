/**
 * The core and its parts in Chromium, on a site of another origin (the
 * scenario of widget-csp.test.ts): the core, pinned or not, loads the
 * dialog's part with the SRI hash baked into it, under strict policies; a
 * first visit loads the core, the dialog's part once the page is idle (not
 * with Save-Data or on a 3G connection: then on hover), then the `send` part
 * after the click, nothing else; a tampered part is refused and a
 * blocked one retried, while the banner keeps working; a blocked send part
 * leaves the choice kept and in the outbox for the next page; a returning
 * visitor's page loads no part at all. A page set up correctly never loads
 * the diagnostics part; a misconfigured one loads it once, with SRI, and
 * gets one console message per problem.
 */
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { Browser, Page, Request } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_MESSAGES } from "../../shared/messages.ts";
import { OUTBOX_KEY } from "../../widget/outbox.ts";
import { CHROMIUM, launchBrowser } from "./browser.ts";
import { serveSiteAndWorker } from "./site-server.ts";
import { visit, waitForEmptyOutbox } from "./widget-helpers.ts";
import { queryD1, type WorkerServer } from "./worker-server.ts";

const NONCE = "cGFydHMtdGVzdC1ub25jZQ";
/** What the dialog's buttons say once its part failed (shared/messages.ts, loadFailed). */
const DIALOG_FAILED = DEFAULT_MESSAGES.loadFailed;

/** Chromium's navigator.connection (Network Information API), which TypeScript's DOM types leave out. */
type Connected = Navigator & { connection?: { effectiveType?: string; saveData?: boolean } };

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
  const pages: Record<string, () => { csp: string; tag: string; head?: string; body?: string }> = {
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
    // A page whose load event waits for a slow image (playwright holds /slow.png).
    "/slow-load": () => ({
      csp: `default-src 'none'; script-src ${widgetOrigin}; style-src ${widgetOrigin}; connect-src ${widgetOrigin}; img-src 'self'`,
      tag: `<script src="${widgetOrigin}${release().path}" integrity="${release().integrity}" crossorigin="anonymous" defer></script>`,
      body: `<img src="/slow.png" alt="A product" width="400" height="300">`,
    }),
    // A shop set up as the README says: its block in <head>, the dataLayer made before the widget, which
    // runs without defer before Google's snippet, valid settings, gated tags in the widget's markup.
    "/set-up": () => ({
      csp: `default-src 'none'; script-src ${widgetOrigin} 'nonce-${NONCE}'; style-src ${widgetOrigin}; connect-src ${widgetOrigin}`,
      head: `<script type="application/json" id="opencontact-consent-config">${JSON.stringify({
        messages: { acceptAll: "Allow all" },
        categoryAliases: { marketing: "targeting" },
        cookies: { analytics: ["_pk_*"] },
      })}</script>
        <script nonce="${NONCE}">window.dataLayer = window.dataLayer || [];</script>`,
      tag: `<script src="${widgetOrigin}${release().path}" integrity="${release().integrity}" crossorigin="anonymous" data-theme="dark" data-expiry-days="180" data-privacy-url="/privacy.html"></script>
        <script nonce="${NONCE}">function gtag(){dataLayer.push(arguments);} gtag('js', new Date()); gtag('config', 'G-TEST123');</script>`,
      body: `<script type="text/plain" data-category="analytics" nonce="${NONCE}">window.analyticsRan = true;</script>
        <script type="text/plain" data-category="marketing" nonce="${NONCE}">window.adsRan = true;</script>`,
    }),
    // The same shop with one problem of each kind the core notices.
    "/misconfigured": () => ({
      csp: `default-src 'none'; script-src ${widgetOrigin} 'nonce-${NONCE}'; style-src ${widgetOrigin}; connect-src ${widgetOrigin}`,
      head: `<script type="application/json" id="opencontact-consent-config">${JSON.stringify({
        messages: { acceptAll: "Allow all", acceptAl: "Typo" },
      })}</script>
        <script nonce="${NONCE}">window.dataLayer = window.dataLayer || [];
          function gtag(){dataLayer.push(arguments);} gtag('js', new Date()); gtag('config', 'G-TEST123');</script>`,
      tag: `<script src="${widgetOrigin}${release().path}" integrity="${release().integrity}" crossorigin="anonymous" data-theme="blue"></script>`,
      body: `<article><p>A visitor's review.</p><script type="application/json" id="opencontact-consent-config">{}</script></article>
        <script type="text/plain" data-category="social" data-src="/share.js"></script>`,
    }),
  };

  beforeAll(async () => {
    browser = await launchBrowser();
    site = createServer((request, response) => {
      const page = pages[new URL(request.url ?? "", "http://site").pathname];
      if (!page) {
        response.writeHead(404).end();
        return;
      }
      const { csp, tag, head = "", body = "" } = page();
      const lang = new URL(request.url ?? "", "http://site").searchParams.get("lang") ?? "en-GB";
      response.writeHead(200, { "Content-Type": "text/html; charset=utf-8", "Content-Security-Policy": csp });
      response.end(`<!doctype html><html lang="${lang}"><head><title>Shop</title>${head}${tag}</head>
        <body><main><h1>A shop on its own origin</h1><p>Content.</p></main>${body}</body></html>`);
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
      // The banner is the core's own; the dialog's part comes once the page has loaded and is idle, so
      // Manage preferences opens it at once, with no request of its own.
      await expect.poll(() => requests.includes(expected("dialog")), { timeout: 30_000 }).toBe(true);
      await page.waitForLoadState("networkidle");
      await page.getByRole("button", { name: "Manage preferences" }).click();
      await page.getByRole("dialog", { name: "Cookie preferences" }).waitFor();
      expect(await partScripts(page)).toEqual([[expected("dialog"), parts.dialog?.integrity, "anonymous"]]);
      expect(requests.filter((url) => url.includes("/parts/"))).toEqual([expected("dialog")]);
      await page.getByRole("button", { name: "Save choices" }).click();
      await waitForEmptyOutbox(page);
      // The choice brings the part that posts it, with SRI like any other.
      expect((await partScripts(page))[1]).toEqual([expected("send"), parts.send?.integrity, "anonymous"]);
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

  it("says it could not load in the page's language: the French pack's loadFailed", async () => {
    const { context, page, errors } = await visit(browser, "");
    const french = JSON.parse(readFileSync("widget/lang/packs/fr.json", "utf8")) as {
      messages: Record<string, string>;
    };
    try {
      await page.route(`${widgetOrigin}${release().parts.dialog?.path}`, (route) => route.abort("blockedbyclient"));
      await page.goto(`${siteOrigin}/pinned?lang=fr`);
      await page.getByRole("button", { name: french.messages.manage }).click();
      await page.getByRole("button", { name: french.messages.loadFailed }).waitFor({ timeout: 30_000 });
      expect(french.messages.loadFailed).not.toBe(DIALOG_FAILED);
      expect(await page.getByRole("button", { name: DIALOG_FAILED }).count()).toBe(0);
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

  it("a first visit that only answers the banner requests the core, the dialog's part at idle, then the send part after the click, nothing else", async () => {
    const { context, page, errors } = await visit(browser, "");
    try {
      const requests = widgetRequests(page);
      const priorities: Record<string, string> = {};
      const cdp = await context.newCDPSession(page);
      cdp.on("Network.requestWillBeSent", ({ request }) => {
        priorities[new URL(request.url).pathname] = request.initialPriority;
      });
      await cdp.send("Network.enable");
      await page.goto(`${siteOrigin}/pinned`);
      await page.getByRole("region", { name: "Cookie choices" }).waitFor();
      const dialog = release().parts.dialog?.path;
      await expect.poll(() => requests, { timeout: 30_000 }).toEqual([release().path, dialog]);
      await page.waitForLoadState("networkidle");
      // The dialog's part never competes with the page: asked for only after the page's load event.
      const [loaded, asked] = await page.evaluate(() => [
        performance.getEntriesByType("navigation")[0]?.toJSON().loadEventEnd,
        performance.getEntriesByType("resource").find(({ name }) => name.includes("/parts/dialog."))?.startTime,
      ]);
      expect(asked).toBeGreaterThanOrEqual(loaded);
      // … and at low priority, below whatever the page still fetches (Chromium: "Low", a part wanted now "High").
      expect(priorities[dialog ?? ""]).toBe("Low");
      await page.getByRole("button", { name: "Reject all" }).click();
      await waitForEmptyOutbox(page);
      expect(requests).toEqual([release().path, dialog, release().parts.send?.path, "/api/consent"]);
      expect(priorities[release().parts.send?.path ?? ""]).toBe("High");
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it("a visitor who answers the banner before the page has loaded never gets the dialog's part", async () => {
    const { context, page, errors } = await visit(browser, "");
    try {
      const requests = widgetRequests(page);
      const image: { release?: () => Promise<void> } = {};
      await page.route("**/slow.png", (route) => {
        image.release = () => route.fulfill({ status: 200, contentType: "image/png", body: Buffer.alloc(0) });
      });
      await page.goto(`${siteOrigin}/slow-load`, { waitUntil: "domcontentloaded" });
      await page.getByRole("button", { name: "Reject all" }).click();
      await waitForEmptyOutbox(page);
      await expect.poll(() => image.release !== undefined).toBe(true);
      expect(await page.evaluate(() => document.readyState)).not.toBe("complete");
      await image.release?.();
      await page.waitForLoadState("load");
      await page.evaluate(() => new Promise((resolve) => requestIdleCallback(resolve, { timeout: 5000 })));
      await page.waitForLoadState("networkidle");
      expect(requests).toEqual([release().path, release().parts.send?.path, "/api/consent"]);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it.each([
    ["on a 3G connection", "3g"],
    ["with Save-Data", "save-data"],
  ])("%s, a first visit fetches no dialog part until Manage preferences is reached for", async (_, network) => {
    const { context, page, errors } = await visit(browser, "");
    try {
      if (network === "3g") {
        // Chromium's own network emulation: navigator.connection.effectiveType says "3g", as on a real 3G link.
        const cdp = await context.newCDPSession(page);
        await cdp.send("Network.enable");
        await cdp.send("Network.emulateNetworkConditions", {
          offline: false,
          latency: 300,
          downloadThroughput: 90_000,
          uploadThroughput: 90_000,
        });
      } else {
        // The browser's data saver (Chromium turns it on only from its settings or an extension).
        await page.addInitScript(() =>
          Object.defineProperty(Object.getPrototypeOf((navigator as Connected).connection), "saveData", {
            get: () => true,
          }),
        );
      }
      const requests = widgetRequests(page);
      await page.goto(`${siteOrigin}/pinned`);
      await page.getByRole("region", { name: "Cookie choices" }).waitFor();
      expect(
        await page.evaluate(() => {
          const { connection } = navigator as Connected;
          return [connection?.effectiveType, connection?.saveData];
        }),
      ).toEqual(network === "3g" ? ["3g", false] : ["4g", true]);
      await page.waitForLoadState("networkidle");
      await page.evaluate(() => new Promise((resolve) => requestIdleCallback(resolve, { timeout: 5000 })));
      expect(requests).toEqual([release().path]);
      await page.getByRole("button", { name: "Manage preferences" }).hover();
      await expect.poll(() => requests, { timeout: 30_000 }).toEqual([release().path, release().parts.dialog?.path]);
      await page.getByRole("button", { name: "Manage preferences" }).click();
      await page.getByRole("dialog", { name: "Cookie preferences" }).waitFor({ timeout: 30_000 });
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it("with the send part blocked, a choice is kept (cookie and outbox) and the next page delivers it", async () => {
    const { context, page, errors } = await visit(browser, "");
    const sendPart = `${widgetOrigin}${release().parts.send?.path}`;
    const logs: string[] = [];
    page.on("console", (message) => logs.push(message.text()));
    let blocked = 0;
    try {
      await page.route(sendPart, (route) => {
        blocked++;
        return route.abort("internetdisconnected");
      });
      // A site with Google's Consent Mode: its dataLayer is there before the widget.
      await page.addInitScript(() => {
        (window as { dataLayer?: unknown[] }).dataLayer = [];
      });
      await page.goto(`${siteOrigin}/pinned`);
      await page.getByRole("button", { name: "Accept all" }).click();
      await expect.poll(() => blocked, { timeout: 30_000 }).toBe(1);
      await expect
        .poll(() => logs.some((text) => text.startsWith("OpenContact Consent: ") && text.includes("/send.")), {
          timeout: 30_000,
        })
        .toBe(true);
      // The choice stands: cookie, API, Consent Mode, banner gone; its event waits in the outbox.
      expect(await page.evaluate(() => window.OpenContactConsent?.get()?.choices.analytics)).toBe(true);
      expect((await context.cookies()).map((cookie) => cookie.name)).toEqual(["opencontact_consent"]);
      const updates = await page.evaluate(() =>
        ((window as { dataLayer?: unknown[][] }).dataLayer ?? [])
          .map((entry) => [...entry])
          .filter(([command, action]) => command === "consent" && action === "update"),
      );
      expect(updates.at(-1)?.[2]).toMatchObject({ analytics_storage: "granted", ad_storage: "granted" });
      expect(await page.getByRole("region", { name: "Cookie choices" }).count()).toBe(0);
      const waiting = await page.evaluate((key) => JSON.parse(localStorage.getItem(key) ?? "[]"), OUTBOX_KEY);
      expect(waiting).toEqual([expect.objectContaining({ event: expect.objectContaining({ method: "accept_all" }) })]);
      const { eventId } = waiting[0].event as { eventId: string };
      // The next page (the part reachable again) delivers it at its first idle moment.
      await page.unroute(sendPart);
      await page.reload();
      await waitForEmptyOutbox(page);
      const rows = queryD1(worker.persistDir, `SELECT event_id FROM consent_events WHERE event_id = '${eventId}'`);
      expect(rows).toHaveLength(1);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  /** The widget's console warnings. */
  function widgetWarnings(page: Page): string[] {
    const warnings: string[] = [];
    page.on("console", (message) => {
      if (message.type() === "warning" && message.text().startsWith("OpenContact Consent: ")) {
        warnings.push(message.text());
      }
    });
    return warnings;
  }

  it("a page set up correctly requests no diagnostics part, and the console stays quiet", async () => {
    const { context, page, violations, errors } = await visit(browser, "");
    try {
      const requests = widgetRequests(page);
      const warnings = widgetWarnings(page);
      await page.goto(`${siteOrigin}/set-up`);
      await page.getByRole("button", { name: "Allow all" }).waitFor();
      await page.waitForLoadState("networkidle");
      // After the page's next idle moment: anything the core noticed would have asked for the part by then.
      await page.evaluate(() => new Promise((resolve) => requestIdleCallback(resolve, { timeout: 5000 })));
      await page.waitForLoadState("networkidle");
      // The core, and the dialog's part it fetches at idle.
      expect(requests).toEqual([release().path, release().parts.dialog?.path]);
      expect(requests.filter((url) => url.includes("/parts/diagnostics."))).toEqual([]);
      expect(warnings).toEqual([]);
      // The settings were read, not merely tolerated: the aliased tag runs once its category is allowed.
      await page.getByRole("button", { name: "Allow all" }).click();
      await page.waitForFunction(() => (window as { adsRan?: boolean }).adsRan === true);
      await waitForEmptyOutbox(page);
      expect(requests.filter((url) => url.includes("/parts/diagnostics."))).toEqual([]);
      expect(warnings).toEqual([]);
      expect(violations).toEqual([]);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it("a misconfigured page loads the diagnostics part once, with SRI, and gets one message per problem", async () => {
    const { context, page, violations, errors } = await visit(browser, "");
    const { parts } = release();
    try {
      const requests = widgetRequests(page);
      const warnings = widgetWarnings(page);
      await page.goto(`${siteOrigin}/misconfigured`);
      // Every problem was dealt with safely, before and without the part: the block's good text is shown.
      await page.getByRole("button", { name: "Allow all" }).waitFor();
      const id = "OpenContact Consent: #opencontact-consent-config";
      await expect
        .poll(() => [...warnings].sort(), { timeout: 30_000 })
        .toEqual([
          `${id} ignored: put it in <head> or right before consent.js`,
          `${id}.messages.acceptAl ignored: unknown key`,
          'OpenContact Consent: <script type="text/plain" data-category="social" data-src="/share.js"></script> has an unknown data-category (known: analytics,functionality,targeting,necessary): add it to categoryAliases',
          "OpenContact Consent: Google tag commands came before the consent default: load consent.js without defer, before Google's tag",
          'OpenContact Consent: data-theme="blue" ignored: use light, dark or auto',
        ]);
      await page.waitForLoadState("networkidle");
      // Once, whatever the order it and the dialog's idle-time part came in.
      const diagnostics = (url: string | null | undefined) => url?.includes("/parts/diagnostics.");
      expect(requests.filter(diagnostics)).toEqual([parts.diagnostics?.path]);
      expect((await partScripts(page)).filter(([path]) => diagnostics(path))).toEqual([
        [parts.diagnostics?.path, parts.diagnostics?.integrity, "anonymous"],
      ]);
      expect(warnings).toHaveLength(5);
      expect(violations).toEqual([]);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
