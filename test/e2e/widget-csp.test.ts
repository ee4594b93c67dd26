/**
 * The widget under strict Content Security Policies in Chromium: the issue's
 * policy on a site of another origin that pins the versioned script with SRI,
 * carries hostile CSS and a nonced inline gated snippet, and the demo page's
 * own policy; zero violations.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { CHROMIUM, launchBrowser } from "./browser.ts";
import { visit } from "./widget-helpers.ts";
import { freePort, queryD1, startWorker, type WorkerServer } from "./worker-server.ts";

const NONCE = "c3RyaWN0LWNzcC10ZXN0";

describe.skipIf(!CHROMIUM)("widget under a strict CSP in Chromium", () => {
  let browser: Browser;
  let site: Server;
  let worker: WorkerServer;
  let siteOrigin = "";
  let widgetOrigin = "";
  const base = () => inject("baseUrl");

  beforeAll(async () => {
    browser = await launchBrowser();
    const release = JSON.parse(readFileSync("dist/public/consent-release.json", "utf8")) as {
      path: string;
      integrity: string;
    };
    // A real site on its own loopback origin (Chromium's Local Network Access rules forbid faking it with
    // page.route), and a worker that allows that origin.
    site = createServer((request, response) => {
      if (request.url === "/hostile.css") {
        response.writeHead(200, { "Content-Type": "text/css" });
        // Host CSS aimed at the elements the widget uses must not reach into it.
        response.end(
          "html{font-size:8px} section,div,p,h2,button,dialog,a{display:none!important;font-size:40px!important;color:red!important;background:red!important}" +
            // ...while the documented custom properties do theme it.
            ":root{--occ-accent:#006400}",
        );
        return;
      }
      response.writeHead(200, {
        "Content-Type": "text/html; charset=utf-8",
        // The policy, plus a nonce for the site's own inline gated snippet and the site's own
        // (hostile) stylesheet.
        "Content-Security-Policy": `default-src 'none'; script-src ${widgetOrigin} 'nonce-${NONCE}'; style-src ${widgetOrigin} ${siteOrigin}; connect-src ${widgetOrigin}`,
      });
      response.end(`<!doctype html><html lang="en-GB"><head><title>Strict</title>
        <link rel="stylesheet" href="/hostile.css">
        <script src="${widgetOrigin}${release.path}" integrity="${release.integrity}" crossorigin="anonymous" defer></script>
        </head><body><main><h1>A strict site</h1><p>Content.</p></main>
        <script type="text/plain" data-category="analytics" nonce="${NONCE}">window.nonceRan = true;</script>
        </body></html>`);
    });
    await new Promise<void>((resolve) => site.listen(0, "127.0.0.1", resolve));
    const sitePort = (site.address() as AddressInfo).port;
    siteOrigin = `http://localhost:${sitePort}`;
    const port = await freePort();
    widgetOrigin = `http://127.0.0.1:${port}`;
    worker = await startWorker({ port, vars: { ALLOWED_ORIGINS: siteOrigin } });
  });
  afterAll(async () => {
    await browser?.close();
    await worker?.stop();
    site?.close();
  });

  it("works on another origin under the strict CSP, pinned with SRI, with hostile host CSS and zero violations", async () => {
    const { context, page, violations, errors } = await visit(browser, "");
    try {
      await page.goto(`${siteOrigin}/`);
      const accept = page.getByRole("button", { name: "Accept all" });
      await accept.waitFor();
      expect(await accept.isVisible()).toBe(true);
      expect(await accept.evaluate((element) => getComputedStyle(element).fontSize)).toBe("15px");
      expect(await accept.evaluate((element) => getComputedStyle(element).color)).not.toBe("rgb(255, 0, 0)");
      expect(await accept.evaluate((element) => getComputedStyle(element).backgroundColor)).toBe("rgb(0, 100, 0)");
      // Reject all is exactly as prominent as Accept all: same size, colours and weight (ICO; CNIL 2020-092).
      const look = (name: string) =>
        page.getByRole("button", { name }).evaluate((element) => {
          const style = getComputedStyle(element);
          const box = element.getBoundingClientRect();
          return [box.width, box.height, style.backgroundColor, style.color, style.fontWeight, style.fontSize];
        });
      expect(await look("Reject all")).toEqual(await look("Accept all"));
      // No <style> element and no style attribute anywhere, the widget's shadow root included.
      expect(
        await page.evaluate(() => {
          const root = document.querySelector("opencontact-consent")?.shadowRoot;
          return [document, root].map((node) => node?.querySelectorAll("style,[style]").length);
        }),
      ).toEqual([0, 0]);

      expect(await page.evaluate(() => (window as unknown as { nonceRan?: boolean }).nonceRan)).toBeUndefined();
      await accept.click();
      // The gated inline snippet kept its nonce, so the policy lets it run.
      await page.waitForFunction(() => (window as unknown as { nonceRan?: boolean }).nonceRan === true);
      await page.waitForFunction(() => !localStorage.getItem("opencontact-consent:outbox"));
      const id = await page.evaluate(() => window.OpenContactConsent?.get()?.consentId);
      const [row] = queryD1<{ page_url: string; method: string }>(
        worker.persistDir,
        `SELECT page_url, method FROM consent_events WHERE consent_id = '${id}'`,
      );
      // The API origin came from the script's own URL.
      expect(row).toEqual({ page_url: `${siteOrigin}/`, method: "accept_all" });
      await page.getByRole("button", { name: "Cookie settings" }).click();
      await page.getByRole("dialog", { name: "Cookie preferences" }).waitFor();
      await page.keyboard.press("Escape");
      expect(violations).toEqual([]);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it("serves /consent.js with a short cache and the pinned copy immutable, matching its published SRI hash", async () => {
    const release = JSON.parse(readFileSync("dist/public/consent-release.json", "utf8")) as {
      path: string;
      integrity: string;
    };
    const current = await fetch(`${base()}/consent.js`);
    expect(current.headers.get("Cache-Control")).toMatch(/max-age=300\b/);
    expect(current.headers.get("Access-Control-Allow-Origin")).toBe("*");
    const pinned = await fetch(`${base()}${release.path}`);
    expect(pinned.headers.get("Cache-Control")).toBe("public, max-age=31536000, immutable");
    const body = new Uint8Array(await pinned.arrayBuffer());
    expect(`sha384-${createHash("sha384").update(body).digest("base64")}`).toBe(release.integrity);
    expect(Buffer.from(body).equals(Buffer.from(await current.arrayBuffer()))).toBe(true);
    const published = await fetch(`${base()}/consent-release.json`);
    expect(await published.json()).toMatchObject({ path: release.path, integrity: release.integrity });
  });

  it("the demo page under its own CSP has zero violations through a whole visit", async () => {
    const { context, page, violations, errors } = await visit(browser, `${base()}/`);
    await page.getByRole("button", { name: "Accept all" }).click();
    await page.waitForFunction(() => (window as unknown as { demoRuns: string[] }).demoRuns.length >= 5);
    await page.getByRole("button", { name: "Cookie settings" }).first().click();
    await page.getByRole("button", { name: "Close" }).click();
    await page.waitForLoadState("networkidle");
    expect(violations).toEqual([]);
    expect(errors).toEqual([]);
    await context.close();
  });
});
