/**
 * Click-to-load embeds in Chromium: a gated iframe's placeholder on a site of
 * another origin under a strict CSP (no 'unsafe-inline', frames only from the
 * site): its role, names and texts (data-service, the declaration, the JSON
 * block, the French pack), keyboard, axe, no layout shift, one consent event
 * and one frame load per press, a frame in a body the page swapped in,
 * consent from the banner, withdrawal, and a phone-sized frame.
 */
import { createServer, type Server } from "node:http";
import type { Page, Request } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { axe } from "./axe.ts";
import { CHROMIUM, useBrowser } from "./browser.ts";
import { serveSiteAndWorker } from "./site-server.ts";
import { visit, waitForEmptyOutbox } from "./widget-helpers.ts";
import type { WorkerServer } from "./worker-server.ts";

const GTM_FRAME = "https://www.googletagmanager.com/ns.html?id=GTM-DEMO123";

describe.skipIf(!CHROMIUM)("click-to-load placeholder in Chromium", () => {
  const browser = useBrowser();
  let site: Server;
  let worker: WorkerServer;
  let siteOrigin = "";
  let widgetOrigin = "";
  /** Requests the site served for the map frame, by page visit. */
  let mapLoads = 0;

  beforeAll(async () => {
    site = createServer((request, response) => {
      const url = new URL(request.url ?? "/", "http://site");
      if (url.pathname === "/map") {
        mapLoads++;
        response.writeHead(200, { "Content-Type": "text/html; charset=utf-8" });
        response.end("<!doctype html><title>Map</title><p>1 Example Street, London</p>");
        return;
      }
      if (url.pathname === "/site.css") {
        response.writeHead(200, { "Content-Type": "text/css" });
        // Host CSS aimed at what the placeholder is made of must not reach into it.
        response.end(
          "body{margin:0;font:16px/1.5 serif}p,div,button{font-size:40px!important;background:#fff!important}" +
            ".map{display:block;width:100%;max-width:560px;height:315px;border:0}.phone{height:180px}",
        );
        return;
      }
      const block = url.searchParams.get("block");
      const phone = url.searchParams.has("phone");
      response.writeHead(200, {
        "Content-Type": "text/html; charset=utf-8",
        "Content-Security-Policy": `default-src 'none'; script-src ${widgetOrigin}; style-src ${widgetOrigin} ${siteOrigin}; connect-src ${widgetOrigin}; frame-src ${siteOrigin} https://www.googletagmanager.com`,
      });
      response.end(`<!doctype html><html lang="${url.searchParams.get("lang") ?? "en-GB"}"><head>
        <meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
        <title>Find us</title><link rel="stylesheet" href="/site.css">
        ${block ? `<script type="application/json" id="opencontact-consent-config">${block}</script>` : ""}
        <script src="${widgetOrigin}/consent.js"></script>
        </head><body><main>
        <h1>Find us</h1><p>Our office is a short walk from the station.</p>
        <iframe class="map${phone ? " phone" : ""}" title="Map to our office" data-category="functionality" data-service="Map to our office" data-src="/map"></iframe>
        <p>Open Monday to Friday.</p>
        ${phone ? "" : `<iframe title="Tag Manager" width="320" height="180" data-category="analytics" data-src="${GTM_FRAME}"></iframe>`}
        <a href="/contact">Contact</a>
        </main></body></html>`);
    });
    ({ siteOrigin, widgetOrigin, worker } = await serveSiteAndWorker(site));
  });
  afterAll(async () => {
    await worker?.stop();
    site?.close();
  });

  /** A visit that sums every layout shift from the first paint on and records the consent POSTs. */
  async function open(query = "", options: Parameters<typeof visit>[2] = {}) {
    const visited = await visit(browser(), "", options);
    const { page } = visited;
    await page.addInitScript(() => {
      const win = window as unknown as { shifts: number };
      win.shifts = 0;
      new PerformanceObserver((list) => {
        for (const entry of list.getEntries()) win.shifts += (entry as unknown as { value: number }).value;
      }).observe({ type: "layout-shift", buffered: true });
    });
    const posts: Request[] = [];
    page.on("request", (request) => {
      if (request.method() === "POST" && request.url() === `${widgetOrigin}/api/consent`) posts.push(request);
    });
    // Nothing leaves for Google: the stand-in answers, and counts, any request for the frame.
    let gtmLoads = 0;
    await page.route("https://www.googletagmanager.com/**", (route) => {
      gtmLoads++;
      return route.fulfill({ contentType: "text/html", body: "<!doctype html><title>GTM</title>" });
    });
    mapLoads = 0;
    await page.goto(`${siteOrigin}/${query}`);
    return { ...visited, posts, gtmLoads: () => gtmLoads };
  }

  const placeholder = (page: Page, name = "Map to our office") => page.getByRole("group", { name });
  const frameSrc = (page: Page) => page.locator("iframe.map").getAttribute("src");
  const shifts = (page: Page) => page.evaluate(() => (window as unknown as { shifts: number }).shifts);

  it("covers the frame's own box, names the service and the category, passes axe, and moves nothing", async () => {
    const { context, page, violations, errors } = await open();
    try {
      const cover = placeholder(page);
      await cover.waitFor();
      await expect
        .poll(() => cover.textContent())
        .toBe(
          "Map to our office loads only once you allow this category: Functionality cookies.Allow Functionality cookiesCookie settings",
        );
      expect(await cover.getByRole("button", { name: "Allow Functionality cookies" }).isVisible()).toBe(true);
      expect(await cover.getByRole("button", { name: "Cookie settings" }).isVisible()).toBe(true);
      // Exactly over the frame, which keeps its place, its size and no src.
      const frameBox = await page.locator("iframe.map").boundingBox();
      const coverBox = await cover.boundingBox();
      for (const side of ["x", "y", "width", "height"] as const)
        expect(coverBox?.[side]).toBeCloseTo(frameBox?.[side] ?? -1, 1);
      expect(frameBox).toMatchObject({ width: 560, height: 315 });
      expect(await frameSrc(page)).toBeNull();
      // The site's CSS does not reach in.
      const allow = cover.getByRole("button", { name: "Allow Functionality cookies" });
      expect(await allow.evaluate((button) => getComputedStyle(button).fontSize)).toBe("14px");
      // Without data-service, the declaration names the embed by its host; no request goes to it.
      const tag = placeholder(page, "Google Analytics");
      await tag.waitFor();
      expect(await tag.textContent()).toContain("Analytical or performance cookies");

      expect(await axe(page)).toEqual([]);
      await allow.click();
      await expect.poll(() => frameSrc(page)).toBe("/map");
      await page.frameLocator("iframe.map").getByText("1 Example Street").waitFor();
      expect(await placeholder(page).count()).toBe(0);
      expect(await tag.isVisible()).toBe(true);
      expect(await page.evaluate(() => PerformanceObserver.supportedEntryTypes)).toContain("layout-shift");
      expect(await shifts(page)).toBe(0);
      expect(violations).toEqual([]);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it("logs one custom event granting only that category, and loads the frame once, however often it is pressed", async () => {
    const { context, page, posts, gtmLoads } = await open();
    try {
      // A returning visitor who had allowed analytics only: the press keeps that.
      await page.evaluate(() => window.OpenContactConsent?.set({ analytics: true }));
      await waitForEmptyOutbox(page);
      posts.length = 0;
      const allow = placeholder(page).getByRole("button", { name: "Allow Functionality cookies" });
      await allow.click();
      // A double press: the second finds the category allowed and records nothing.
      await allow.click({ timeout: 1000 }).catch(() => {});
      await expect.poll(() => frameSrc(page)).toBe("/map");
      await waitForEmptyOutbox(page);
      await page.waitForLoadState("networkidle");
      expect(posts).toHaveLength(1);
      expect(posts[0]?.postDataJSON()).toMatchObject({
        method: "custom",
        choices: { analytics: true, functionality: true, targeting: false },
        // Issue 13: the log tells a press on the placeholder from a page script's call.
        source: "placeholder",
        trusted: true,
      });
      expect(mapLoads).toBe(1);
      expect(await page.evaluate(() => window.OpenContactConsent?.get()?.choices)).toEqual({
        analytics: true,
        functionality: true,
        targeting: false,
      });
      // Analytics was allowed before: its frame loaded then, once.
      expect(gtmLoads()).toBe(1);
    } finally {
      await context.close();
    }
  });

  it("covers a frame in a body the page swapped in (Turbo Drive), and Allow loads that frame once", async () => {
    const { context, page, posts, violations, errors } = await open();
    try {
      await placeholder(page).waitFor();
      // As Turbo Drive renders the next page: a new <body>, parsed elsewhere, replaces the old one.
      await page.evaluate(() => {
        const next = new DOMParser().parseFromString(
          `<body><main><h1>Visit us</h1>
            <iframe class="map" title="Map to our office" data-category="functionality"
              data-service="Map to our office" data-src="/map"></iframe></main></body>`,
          "text/html",
        ).body;
        document.documentElement.replaceChild(document.adoptNode(next), document.body);
      });
      await page.getByRole("heading", { name: "Visit us" }).waitFor();
      const cover = placeholder(page);
      await cover.waitFor();
      expect(await page.locator("iframe.map").count()).toBe(1);
      expect(await frameSrc(page)).toBeNull();
      // The old body's placeholders went with it; the banner came back first in the new body.
      expect(await page.getByRole("group").count()).toBe(1);
      expect(await page.locator("body > opencontact-consent").count()).toBe(1);
      await cover.getByRole("button", { name: "Allow Functionality cookies" }).click();
      await expect.poll(() => frameSrc(page)).toBe("/map");
      await page.frameLocator("iframe.map").getByText("1 Example Street").waitFor();
      await waitForEmptyOutbox(page);
      expect(posts).toHaveLength(1);
      expect(posts[0]?.postDataJSON()).toMatchObject({ method: "custom", source: "placeholder" });
      expect(mapLoads).toBe(1);
      expect(await placeholder(page).count()).toBe(0);
      expect(violations).toEqual([]);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it("works by keyboard: Tab reaches Allow (never the empty frame), Enter allows, focus goes on into the frame", async () => {
    const { context, page } = await open();
    try {
      await placeholder(page).waitFor();
      const focused = () =>
        page.evaluate(() => {
          const host = document.activeElement;
          return host?.shadowRoot?.activeElement?.textContent ?? host?.localName ?? "";
        });
      const seen: string[] = [];
      for (let i = 0; i < 20 && seen.at(-1) !== "Allow Functionality cookies"; i++) {
        await page.keyboard.press("Tab");
        seen.push(await focused());
      }
      expect(seen.at(-1)).toBe("Allow Functionality cookies");
      expect(seen).not.toContain("iframe");
      await page.keyboard.press("Tab");
      expect(await focused()).toBe("Cookie settings");
      await page.keyboard.press("Shift+Tab");
      await page.keyboard.press("Enter");
      await expect.poll(() => frameSrc(page)).toBe("/map");
      await expect.poll(() => page.evaluate(() => document.activeElement?.className)).toBe("map");
      // The frame's request may still be on its way when focus has moved: wait for it, then for quiet.
      await expect.poll(() => mapLoads).toBe(1);
      await page.waitForLoadState("networkidle");
      expect(mapLoads).toBe(1);
    } finally {
      await context.close();
    }
  });

  it("allows with Space too, and its Cookie settings button opens the preferences", async () => {
    const { context, page } = await open();
    try {
      await placeholder(page).getByRole("button", { name: "Cookie settings" }).click();
      await page.getByRole("dialog", { name: "Cookie preferences" }).waitFor();
      await page.keyboard.press("Escape");
      await placeholder(page).getByRole("button", { name: "Allow Functionality cookies" }).focus();
      await page.keyboard.press("Space");
      await expect.poll(() => frameSrc(page)).toBe("/map");
    } finally {
      await context.close();
    }
  });

  it("goes when the banner allows the category, and comes back when a withdrawal reloads the page", async () => {
    const { context, page, posts } = await open();
    try {
      await placeholder(page).waitFor();
      await page.getByRole("button", { name: "Accept all" }).click();
      await expect.poll(() => frameSrc(page)).toBe("/map");
      expect(await placeholder(page).count()).toBe(0);
      await waitForEmptyOutbox(page);
      expect(posts.map((post) => post.postDataJSON().method)).toEqual(["accept_all"]);
      // The frame has run: withdrawing reloads the page (reloadOnWithdraw), which gates it again.
      await Promise.all([
        page.waitForEvent("load"),
        page.evaluate(() => window.OpenContactConsent?.set({ analytics: true })),
      ]);
      await placeholder(page).waitFor();
      expect(await frameSrc(page)).toBeNull();
    } finally {
      await context.close();
    }
  });

  it("takes its texts from the JSON block, and hashes them into the event", async () => {
    const block = JSON.stringify({
      messages: { embedText: "{service}: shown with {category} only.", embedAllow: "Show the map" },
    });
    const { context, page, posts, violations } = await open(`?block=${encodeURIComponent(block)}`);
    try {
      const cover = placeholder(page);
      await cover.getByText("Map to our office: shown with Functionality cookies only.").waitFor();
      await cover.getByRole("button", { name: "Show the map" }).click();
      await expect.poll(() => frameSrc(page)).toBe("/map");
      await waitForEmptyOutbox(page);
      expect(posts[0]?.postDataJSON().textsHash).toMatch(/^[0-9a-f]{64}$/);
      expect(violations).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it("speaks the page's language from the French pack", async () => {
    const { context, page } = await open("?lang=fr");
    try {
      const cover = placeholder(page);
      await cover.waitFor();
      expect(await cover.textContent()).toBe(
        "Map to our office ne se charge qu’une fois cette catégorie autorisée\u00a0: Cookies de fonctionnalité." +
          "Autoriser\u00a0: Cookies de fonctionnalitéParamètres des cookies",
      );
      expect(await cover.getAttribute("lang")).toBe("fr");
      expect(await axe(page)).toEqual([]);
    } finally {
      await context.close();
    }
  });

  for (const [width, height] of [
    [320, 640],
    [640, 320],
  ] as const) {
    it(`fits a frame of a ${width} px wide phone, text wrapped, nothing overflowing`, async () => {
      const { context, page } = await open("?phone", { width, height });
      try {
        const cover = placeholder(page);
        await cover.waitFor();
        const fit = await cover.evaluate((box) => {
          const inside = [...box.querySelectorAll("p,button")].map((element) => element.getBoundingClientRect());
          const outer = box.getBoundingClientRect();
          return {
            overflow: box.scrollWidth > box.clientWidth || box.scrollHeight > box.clientHeight,
            contained: inside.every(
              (rect) => rect.left >= outer.left && rect.right <= outer.right && rect.bottom <= outer.bottom,
            ),
            lines: Math.round((box.querySelector("p")?.getBoundingClientRect().height ?? 0) / 19.6),
          };
        });
        expect((await page.locator("iframe.map").boundingBox())?.width).toBe(Math.min(width, 560));
        expect(fit.overflow).toBe(false);
        expect(fit.contained).toBe(true);
        if (width === 320) expect(fit.lines).toBeGreaterThan(1);
        expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBe(width);
      } finally {
        await context.close();
      }
    });
  }
});
