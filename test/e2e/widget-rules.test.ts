/**
 * Rules by region in Chromium (issue 14): a UK shop on its own origin under
 * a strict CSP, with Google's gtag snippet order and gated analytics and
 * targeting stand-ins it serves itself, embeds the widget with
 * `data-rules="by-region"`. A UK visitor (worker forced to GB, UK_EXCEPTION
 * analytics) gets the inform-and-object banner: analytics runs once the
 * banner is shown, Object is as prominent as Accept all, objecting is logged,
 * deletes the analytics cookies and stops analytics from the next page; GPC
 * counts as the objection; the pinned SRI copy works the same, and a rules
 * answer that fails or never comes leaves opt-in for everything. An EEA
 * visitor (forced to DE) gets today's opt-in banner. Targeting never runs
 * without opt-in in either; keyboard, axe and the strict CSP hold on both.
 */
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { Page, Request, Response } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { axe } from "./axe.ts";
import { CHROMIUM, useBrowser } from "./browser.ts";
import { serveSiteAndWorker } from "./site-server.ts";
import { cookieNames, focusedName, tabTo, visit } from "./widget-helpers.ts";
import { queryD1, type WorkerServer } from "./worker-server.ts";

const NONCE = "dWstc2hvcC1zdHJpY3QtY3Nw";
const MEASUREMENT_ID = "G-TEST123";
const ANALYTICS_COOKIES = ["_ga", "_ga_TEST123"];
const UK_EXCEPTION = "analytics";

/**
 * Whether the widget's banner is in its shadow root and visible, and has
 * already been through a rendering frame (`__bannerFrame`, set by the frame
 * counter each visit installs): the UK exception allows analytics only once
 * the visitor has been shown the information.
 */
const BANNER_SHOWN = `(() => {
  const host = document.querySelector("opencontact-consent");
  const banner = host && host.shadowRoot && host.shadowRoot.querySelector('[data-occ="banner"]');
  const box = banner ? banner.getBoundingClientRect() : null;
  return {
    bannerInDom: !!banner && box.width > 0 && box.height > 0 && banner.checkVisibility({ visibilityProperty: true }),
    bannerFramed: window.__bannerFrame !== undefined,
  };
})()`;

/**
 * Stands in for Google Analytics, served by the site: Google's own commands,
 * its two cookies, and what it saw of the banner when it ran.
 */
const GA_STAND_IN = `(() => {
  const shown = ${BANNER_SHOWN};
  gtag("js", new Date());
  gtag("config", "${MEASUREMENT_ID}");
  document.cookie = "_ga=GA1.1.1234567890.1700000000; path=/; max-age=63072000; SameSite=Lax";
  document.cookie = "_ga_TEST123=GS1.1.1700000000.1.0.1700000000.0.0.0; path=/; max-age=63072000; SameSite=Lax";
  window.__analyticsRan = { bannerInDom: shown.bannerInDom };
  window.__analyticsFramed = shown.bannerFramed;
})();`;

/**
 * A gated inline analytics snippet (nonced, as the strict policy needs): it runs in the very task
 * the widget allows analytics in, with no download to hide an early start behind.
 */
const INLINE_ANALYTICS = `window.__analyticsInline = ${BANNER_SHOWN};`;

/** Counts rendering frames, and notes the first one the banner was in the page for. */
function countFrames(): void {
  const page = window as unknown as { __frames: number; __bannerFrame?: number };
  page.__frames = 0;
  const tick = () => {
    page.__frames++;
    const host = document.querySelector("opencontact-consent");
    if (page.__bannerFrame === undefined && host?.shadowRoot?.querySelector('[data-occ="banner"]')) {
      page.__bannerFrame = page.__frames;
    }
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
}

/** Stands in for an advertising pixel: opt-in everywhere, always. */
const ADS_STAND_IN = `document.cookie = "_fbp=fb.1.1700000000.123; path=/; max-age=7776000; SameSite=Lax";
window.__targetingRan = true;`;

interface Shop {
  server: Server;
  /** Requests for each gated stand-in: a request is a run (a `text/plain` tag is never fetched). */
  loads: { analytics: number; targeting: number };
  /** Filled in once the site and its worker listen. */
  origins: { site: string; widget: string };
}

/** The widget's tag: `/consent.js`, or the pinned copy with its SRI hash (docs/widget-delivery.md). */
function consentTag(widgetOrigin: string, rules: string, pinned: boolean): string {
  const attribute = rules === "none" ? "" : ` data-rules="${rules}"`;
  if (!pinned) return `<script src="${widgetOrigin}/consent.js"${attribute}></script>`;
  const release = JSON.parse(readFileSync("dist/public/consent-release.json", "utf8")) as {
    path: string;
    integrity: string;
  };
  return `<script src="${widgetOrigin}${release.path}" integrity="${release.integrity}" crossorigin="anonymous"${attribute}></script>`;
}

/** A small UK shop: Google's snippet order, consent.js without defer, the gated tags, a footer link. */
function createShop(): Shop {
  const loads = { analytics: 0, targeting: 0 };
  const origins = { site: "", widget: "" };
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? "/", "http://site");
    if (url.pathname === "/ga-standin.js" || url.pathname === "/ads-standin.js") {
      if (url.pathname === "/ga-standin.js") loads.analytics++;
      else loads.targeting++;
      response.writeHead(200, { "Content-Type": "text/javascript", "Cache-Control": "no-store" });
      response.end(url.pathname === "/ga-standin.js" ? GA_STAND_IN : ADS_STAND_IN);
      return;
    }
    if (url.pathname === "/site.css") {
      response.writeHead(200, { "Content-Type": "text/css" });
      response.end("body{margin:0;font:16px/1.5 Georgia,serif}header,main,footer{padding:1rem 2rem}");
      return;
    }
    const rules = url.searchParams.get("rules") ?? "by-region";
    response.writeHead(200, {
      "Content-Type": "text/html; charset=utf-8",
      "Cache-Control": "no-store",
      // widget-csp.test.ts's strict policy; the site's own scripts by origin, its inline snippet by nonce.
      "Content-Security-Policy": `default-src 'none'; script-src ${origins.widget} ${origins.site} 'nonce-${NONCE}'; style-src ${origins.widget} ${origins.site}; connect-src ${origins.widget}`,
    });
    response.end(`<!doctype html><html lang="en-GB"><head><meta charset="utf-8">
      <meta name="viewport" content="width=device-width, initial-scale=1">
      <title>Headsets | A small UK shop</title>
      <link rel="stylesheet" href="/site.css">
      <script nonce="${NONCE}">
        window.dataLayer = window.dataLayer || [];
        function gtag(){dataLayer.push(arguments);}
      </script>
      ${consentTag(origins.widget, rules, url.searchParams.has("pinned"))}
      <script type="text/plain" data-category="analytics" nonce="${NONCE}">${INLINE_ANALYTICS}</script>
      <script type="text/plain" data-category="analytics" src="/ga-standin.js"></script>
      <script type="text/plain" data-category="targeting" src="/ads-standin.js"></script>
      </head><body>
      <header><a href="/">A small UK shop</a> <nav><a href="/other">Support</a></nav></header>
      <main><h1>${url.pathname === "/other" ? "Support" : "Headsets for contact centres"}</h1>
      <p>Light, wired and wireless headsets with noise cancelling, tested by our own agents on long shifts.</p>
      <ul><li>Wired, USB-C: £39</li><li>Wireless, 30 hours: £89</li></ul></main>
      <footer><a href="#cookie-settings" data-consent-open>Cookie settings</a></footer>
      </body></html>`);
  });
  return { server, loads, origins };
}

async function startShop(vars: Record<string, string>): Promise<{ shop: Shop; worker: WorkerServer }> {
  const shop = createShop();
  const started = await serveSiteAndWorker(shop.server, vars);
  shop.origins.site = started.siteOrigin;
  shop.origins.widget = started.widgetOrigin;
  return { shop, worker: started.worker };
}

interface ConsentBody {
  eventId: string;
  consentId: string;
  method: string;
  choices: Record<string, boolean>;
  gpc: boolean;
  source?: string;
  trusted?: boolean;
  ruleSet?: string;
  basis?: Record<string, string>;
}

interface StoredEvent {
  method: string;
  analytics: number;
  targeting: number;
  gpc: number;
  region: string | null;
  rule_set: string | null;
  basis: string | null;
}

function storedEvents(worker: WorkerServer, consentId: string): StoredEvent[] {
  return queryD1<StoredEvent>(
    worker.persistDir,
    `SELECT method, analytics, targeting, gpc, region, rule_set, basis FROM consent_events WHERE consent_id = '${consentId}' ORDER BY id`,
  );
}

const analyticsRan = (page: Page) =>
  page.evaluate(() => (window as unknown as { __analyticsRan?: { bannerInDom: boolean } }).__analyticsRan);
/** Whether either analytics tag (the stand-in or the inline snippet) ran on this page. */
const anyAnalyticsRan = (page: Page) =>
  page.evaluate(() => {
    const page = window as unknown as { __analyticsRan?: unknown; __analyticsInline?: unknown };
    return page.__analyticsRan !== undefined || page.__analyticsInline !== undefined;
  });
const targetingRan = (page: Page) =>
  page.evaluate(() => (window as unknown as { __targetingRan?: boolean }).__targetingRan);

/** The Consent Mode commands in the page's dataLayer, in order: `consent default`, `js`, `config`, ... */
const dataLayer = (page: Page) =>
  page.evaluate(() =>
    Array.from((window as unknown as { dataLayer: ArrayLike<unknown>[] }).dataLayer, (command) => ({
      name: command[0] === "consent" ? `consent ${command[1]}` : String(command[0]),
      state: command[0] === "consent" ? (command[2] as Record<string, string>) : undefined,
    })),
  );

const banner = (page: Page) => page.locator('[data-occ="banner"]');
const ukNotice = (page: Page) => page.locator('[data-occ="uk-notice"]');
const objectButton = (page: Page) => page.locator('[data-occ-action="object"]');

/** The banner at rest (its entrance animation finished), so styles, boxes and axe see what a visitor sees. */
async function bannerAtRest(page: Page): Promise<void> {
  await banner(page).waitFor({ timeout: 15_000 });
  await banner(page).evaluate((element) => Promise.all(element.getAnimations().map((animation) => animation.finished)));
}

describe.skipIf(!CHROMIUM)("rules by region in Chromium", () => {
  const browser = useBrowser();

  /**
   * A fresh visitor on `path`: records the consent posts (bodies and answers), the requests for
   * the rules and their part, and the widget's console warnings.
   */
  async function open(
    shop: Shop,
    path: string,
    options: { gpc?: boolean; beforeGoto?: (page: Page) => Promise<unknown> } = {},
  ) {
    const visited = await visit(browser(), "");
    const { page } = visited;
    await page.addInitScript(countFrames);
    await options.beforeGoto?.(page);
    if (options.gpc) {
      await page.addInitScript(() => Object.defineProperty(navigator, "globalPrivacyControl", { value: true }));
    }
    const posts: ConsentBody[] = [];
    const answers: number[] = [];
    const rulesRequests: string[] = [];
    const rulesPartRequests: string[] = [];
    const warnings: string[] = [];
    const isConsentPost = (request: Request) =>
      request.method() === "POST" && request.url() === `${shop.origins.widget}/api/consent`;
    page.on("request", (request) => {
      if (isConsentPost(request)) posts.push(request.postDataJSON() as ConsentBody);
      if (request.url().startsWith(`${shop.origins.widget}/api/rules`)) rulesRequests.push(request.method());
      if (/\/parts\/rules\.[^/]*\.js$/.test(new URL(request.url()).pathname)) rulesPartRequests.push(request.url());
    });
    page.on("response", (response: Response) => {
      if (isConsentPost(response.request())) answers.push(response.status());
    });
    page.on("console", (message) => {
      if (message.text().startsWith("OpenContact Consent:")) warnings.push(message.text());
    });
    shop.loads.analytics = 0;
    shop.loads.targeting = 0;
    await page.goto(`${shop.origins.site}${path}`);
    return { ...visited, posts, answers, rulesRequests, rulesPartRequests, warnings };
  }

  describe("UK visitor (UK_EXCEPTION analytics, country forced to GB)", () => {
    let shop: Shop;
    let worker: WorkerServer;

    beforeAll(async () => {
      ({ shop, worker } = await startShop({ UK_EXCEPTION, DEV_FORCE_COUNTRY: "GB" }));
    });
    afterAll(async () => {
      await worker?.stop();
      shop?.server.close();
    });

    it("sees the inform-and-object banner: names Google Analytics, Object as prominent as Accept all, axe, keyboard", async () => {
      const { context, page, posts, violations, errors, warnings } = await open(shop, "/");
      try {
        await bannerAtRest(page);
        expect(await banner(page).getAttribute("data-rules")).toBe("uk");
        expect(await ukNotice(page).isVisible()).toBe(true);
        expect(await ukNotice(page).textContent()).toContain("Google Analytics");
        const object = objectButton(page);
        expect(await object.isVisible()).toBe(true);
        expect((await object.textContent())?.trim()).toBe("Object to measurement");
        // As prominent as Accept all (ICO: a simple, free way to object, on the page): same class, font, padding, colours.
        const look = (action: string) =>
          page.locator(`[data-occ="banner"] [data-occ-action="${action}"]`).evaluate((element) => {
            const style = getComputedStyle(element);
            const box = element.getBoundingClientRect();
            return {
              className: element.className,
              fontSize: style.fontSize,
              fontWeight: style.fontWeight,
              padding: style.padding,
              backgroundColor: style.backgroundColor,
              color: style.color,
              width: box.width,
              height: box.height,
            };
          });
        const accept = await look("accept-all");
        const objected = await look("object");
        const { width: acceptWidth, ...acceptStyle } = accept;
        const { width: objectWidth, ...objectStyle } = objected;
        expect(objectStyle).toEqual(acceptStyle);
        expect(objectWidth / acceptWidth).toBeGreaterThanOrEqual(0.8);
        expect(objectWidth / acceptWidth).toBeLessThanOrEqual(2);
        expect(await axe(page)).toEqual([]);

        // Keyboard only: Tab reaches Object, Enter objects (a person's press: trusted).
        await page.waitForLoadState("load");
        await tabTo(page, "Object to measurement");
        const reloaded = page.waitForEvent("load", { timeout: 30_000 });
        await page.keyboard.press("Enter");
        await expect.poll(() => posts.length, { timeout: 15_000 }).toBeGreaterThanOrEqual(1);
        expect(posts[0]).toMatchObject({ method: "object", ruleSet: "uk", source: "banner", trusted: true });
        await reloaded;
        expect(violations).toEqual([]);
        expect(errors).toEqual([]);
        // The rules arrived: no fallback warning, nothing else to say.
        expect(warnings).toEqual([]);
      } finally {
        await context.close();
      }
    });

    it("runs analytics only once the banner is shown, with Consent Mode granted for it alone; targeting stays off", async () => {
      const { context, page, posts, violations, errors } = await open(shop, "/");
      try {
        await page.waitForFunction(
          () => (window as unknown as { __analyticsRan?: unknown }).__analyticsRan !== undefined,
          undefined,
          { timeout: 15_000 },
        );
        expect(await analyticsRan(page)).toEqual({ bannerInDom: true });
        // Shown, not only built: the banner had been through a rendering frame before either analytics tag ran.
        expect(
          await page.evaluate(() => (window as unknown as { __analyticsFramed?: boolean }).__analyticsFramed),
        ).toBe(true);
        expect(
          await page.evaluate(() => (window as unknown as { __analyticsInline?: unknown }).__analyticsInline),
        ).toEqual({ bannerInDom: true, bannerFramed: true });
        expect(await banner(page).isVisible()).toBe(true);
        await page.waitForLoadState("networkidle");
        expect(shop.loads).toEqual({ analytics: 1, targeting: 0 });
        expect(await targetingRan(page)).toBeUndefined();
        const cookies = await cookieNames(context);
        expect(cookies).toEqual(expect.arrayContaining(ANALYTICS_COOKIES));
        expect(cookies).not.toContain("_fbp");

        // Consent Mode: the default first, then analytics granted (ads still denied) before Google's config reads it.
        const commands = await dataLayer(page);
        const names = commands.map((command) => command.name);
        expect(names[0]).toBe("consent default");
        const update = names.indexOf("consent update");
        expect(update).toBeGreaterThan(0);
        expect(update).toBeLessThan(names.indexOf("config"));
        expect(commands[update]?.state).toMatchObject({ analytics_storage: "granted", ad_storage: "denied" });
        expect(
          commands.filter((command) => command.name === "consent update" && command.state?.ad_storage === "granted"),
        ).toEqual([]);
        // Informing is not a choice: nothing is logged until the visitor acts.
        expect(posts).toEqual([]);
        expect(violations).toEqual([]);
        expect(errors).toEqual([]);
      } finally {
        await context.close();
      }
    });

    it("Object logs one objection, deletes the analytics cookies, reloads, and analytics never runs again", async () => {
      const { context, page, posts, answers, rulesRequests, violations, errors } = await open(shop, "/");
      try {
        await page.waitForFunction(
          () => (window as unknown as { __analyticsRan?: unknown }).__analyticsRan !== undefined,
          undefined,
          { timeout: 15_000 },
        );
        expect(await cookieNames(context)).toEqual(expect.arrayContaining(ANALYTICS_COOKIES));
        await page.waitForLoadState("load");
        const posted = page.waitForRequest(
          (request) => request.method() === "POST" && request.url() === `${shop.origins.widget}/api/consent`,
        );
        const reloaded = page.waitForEvent("load", { timeout: 30_000 });
        await objectButton(page).click();
        const body = (await posted).postDataJSON() as ConsentBody;
        expect(body).toMatchObject({
          method: "object",
          choices: { analytics: false, targeting: false },
          ruleSet: "uk",
          basis: { analytics: "objected", functionality: "consent", targeting: "consent" },
          source: "banner",
          trusted: true,
          gpc: false,
        });
        await reloaded;
        const rulesBeforeReload = rulesRequests.length;
        await page.waitForLoadState("networkidle");
        // The worker took it: 201, or 200 when the reload cut the first post's answer short after it was
        // stored and this page's outbox sent it again (idempotent on its eventId).
        await expect.poll(() => storedEvents(worker, body.consentId).length, { timeout: 30_000 }).toBe(1);
        await expect.poll(() => answers.length, { timeout: 15_000 }).toBeGreaterThanOrEqual(1);
        expect(answers.filter((status) => status !== 201 && status !== 200)).toEqual([]);

        // The next page: the choice is kept, the analytics cookies are gone, analytics does not run, no banner.
        expect(await page.evaluate(() => window.OpenContactConsent?.get()?.choices.analytics)).toBe(false);
        for (const name of ANALYTICS_COOKIES) expect(await cookieNames(context)).not.toContain(name);
        expect(await anyAnalyticsRan(page)).toBe(false);
        expect(shop.loads.analytics).toBe(1);
        expect(await banner(page).count()).toBe(0);
        await page.goto(`${shop.origins.site}/other`);
        await page.waitForLoadState("networkidle");
        expect(await anyAnalyticsRan(page)).toBe(false);
        expect(await banner(page).count()).toBe(0);
        expect(shop.loads).toEqual({ analytics: 1, targeting: 0 });
        // A returning visitor with a valid choice asks for no rules.
        expect(rulesRequests.length).toBe(rulesBeforeReload);

        // One event, in the log with the rule that applied and the objection as its basis.
        expect(new Set(posts.map((post) => post.eventId))).toEqual(new Set([body.eventId]));
        const stored = storedEvents(worker, body.consentId);
        expect(stored).toHaveLength(1);
        expect(stored[0]).toMatchObject({ method: "object", analytics: 0, targeting: 0, region: "uk", rule_set: "uk" });
        expect(JSON.parse(stored[0]?.basis ?? "null")).toEqual({
          analytics: "objected",
          functionality: "consent",
          targeting: "consent",
        });
        expect(violations).toEqual([]);
        expect(errors).toEqual([]);
      } finally {
        await context.close();
      }
    });

    it("without data-rules asks for no rules and shows today's opt-in banner", async () => {
      const { context, page, posts, rulesRequests, rulesPartRequests, violations, errors } = await open(
        shop,
        "/?rules=none",
      );
      try {
        await bannerAtRest(page);
        await page.waitForLoadState("networkidle");
        expect(rulesRequests).toEqual([]);
        expect(rulesPartRequests).toEqual([]);
        expect(await banner(page).getAttribute("data-rules")).not.toBe("uk");
        expect(await ukNotice(page).count()).toBe(0);
        expect(await objectButton(page).count()).toBe(0);
        expect(shop.loads).toEqual({ analytics: 0, targeting: 0 });
        await page.getByRole("button", { name: "Accept all" }).click();
        await expect.poll(() => posts.length, { timeout: 15_000 }).toBe(1);
        // Events as before issue 14: no rule set, no basis.
        expect(posts[0]?.method).toBe("accept_all");
        expect(posts[0]).not.toHaveProperty("ruleSet");
        expect(posts[0]).not.toHaveProperty("basis");
        expect(rulesRequests).toEqual([]);
        expect(violations).toEqual([]);
        expect(errors).toEqual([]);
      } finally {
        await context.close();
      }
    });

    it("with Global Privacy Control, analytics never runs and the objection is logged by itself, saying why", async () => {
      const { context, page, posts, violations, errors } = await open(shop, "/", { gpc: true });
      try {
        await bannerAtRest(page);
        expect(await ukNotice(page).textContent()).toContain("Global Privacy Control");
        // GPC is the objection: no button to object with again.
        expect(await objectButton(page).count()).toBe(0);
        await expect.poll(() => posts.length, { timeout: 15_000 }).toBeGreaterThanOrEqual(1);
        expect(posts[0]).toMatchObject({
          method: "object",
          choices: { analytics: false, targeting: false },
          ruleSet: "uk",
          basis: { analytics: "objected", targeting: "consent" },
          source: "api",
          trusted: false,
          gpc: true,
        });
        await page.waitForLoadState("networkidle");
        expect(await anyAnalyticsRan(page)).toBe(false);
        await page.goto(`${shop.origins.site}/other`);
        await page.waitForLoadState("networkidle");
        expect(await anyAnalyticsRan(page)).toBe(false);
        expect(shop.loads).toEqual({ analytics: 0, targeting: 0 });
        for (const name of ANALYTICS_COOKIES) expect(await cookieNames(context)).not.toContain(name);
        // One objection, however many pages.
        const eventId = posts[0]?.eventId;
        expect(new Set(posts.map((post) => post.eventId))).toEqual(new Set([eventId]));
        await expect
          .poll(() => storedEvents(worker, posts[0]?.consentId ?? ""), { timeout: 15_000 })
          .toEqual([expect.objectContaining({ method: "object", gpc: 1, rule_set: "uk", analytics: 0 })]);
        expect(violations).toEqual([]);
        expect(errors).toEqual([]);
      } finally {
        await context.close();
      }
    });

    it("Accept all is logged as not objected, Reject all as objected, and rejecting removes the analytics cookies", async () => {
      const accepted = await open(shop, "/");
      try {
        await bannerAtRest(accepted.page);
        await accepted.page.getByRole("button", { name: "Accept all" }).click();
        await expect.poll(() => accepted.posts.length, { timeout: 15_000 }).toBe(1);
        expect(accepted.posts[0]).toMatchObject({
          method: "accept_all",
          ruleSet: "uk",
          basis: { analytics: "exception-not-objected", functionality: "consent", targeting: "consent" },
        });
        // Targeting only now, on the visitor's opt-in.
        await accepted.page.waitForFunction(() => (window as unknown as { __targetingRan?: boolean }).__targetingRan);
        expect(accepted.violations).toEqual([]);
      } finally {
        await accepted.context.close();
      }

      const rejected = await open(shop, "/");
      try {
        await rejected.page.waitForFunction(
          () => (window as unknown as { __analyticsRan?: unknown }).__analyticsRan !== undefined,
          undefined,
          { timeout: 15_000 },
        );
        await rejected.page.getByRole("button", { name: "Reject all" }).click();
        await expect.poll(() => rejected.posts.length, { timeout: 15_000 }).toBeGreaterThanOrEqual(1);
        expect(rejected.posts[0]).toMatchObject({
          method: "reject_all",
          choices: { analytics: false, functionality: false, targeting: false },
          ruleSet: "uk",
          basis: { analytics: "objected", functionality: "consent", targeting: "consent" },
          source: "banner",
          trusted: true,
        });
        await expect
          .poll(async () => (await cookieNames(rejected.context)).filter((name) => ANALYTICS_COOKIES.includes(name)), {
            timeout: 15_000,
          })
          .toEqual([]);
        expect(shop.loads.targeting).toBe(0);
        expect(rejected.violations).toEqual([]);
      } finally {
        await rejected.context.close();
      }
    });

    for (const answer of ["fails", "never answers"] as const) {
      it(`when /api/rules ${answer}, opt-in for everything, with one console warning and no page error`, async () => {
        const { context, page, warnings, violations, errors } = await open(shop, "/", {
          beforeGoto: (page) =>
            page.route(`${shop.origins.widget}/api/rules`, (route) => (answer === "fails" ? route.abort() : undefined)),
        });
        try {
          // The banner waits at most 2 s for the answer, then shows the strict one.
          await bannerAtRest(page);
          expect(await ukNotice(page).count()).toBe(0);
          expect(await objectButton(page).count()).toBe(0);
          await expect.poll(() => warnings.length, { timeout: 15_000 }).toBe(1);
          expect(warnings[0]).toMatch(/^OpenContact Consent: .*\/api\/rules/);
          await page.waitForLoadState("load");
          expect(await anyAnalyticsRan(page)).toBe(false);
          expect(shop.loads).toEqual({ analytics: 0, targeting: 0 });
          expect(violations).toEqual([]);
          // Never an exception into the host page (an unhandled rejection is one).
          expect(errors).toEqual([]);
        } finally {
          await context.close();
        }
      });
    }

    it("the pinned copy with its SRI hash applies the UK rules too", async () => {
      const { context, page, violations, errors } = await open(shop, "/?pinned");
      try {
        await bannerAtRest(page);
        expect(await page.locator('head > script[integrity][src*="/v/"][src$="/consent.js"]').count()).toBe(1);
        // The rules part comes from beside the pinned core, with the SRI hash that build baked in.
        const { parts } = JSON.parse(readFileSync("dist/public/consent-release.json", "utf8")) as {
          parts: Record<string, { path: string; integrity: string }>;
        };
        const rulesPart = page.locator('head > script[src*="/v/"][src*="/parts/rules."]');
        expect(await rulesPart.getAttribute("integrity")).toBe(parts.rules?.integrity);
        expect(new URL((await rulesPart.getAttribute("src")) ?? "").pathname).toBe(parts.rules?.path);
        expect(await banner(page).getAttribute("data-rules")).toBe("uk");
        expect(await objectButton(page).isVisible()).toBe(true);
        await page.waitForFunction(
          () => (window as unknown as { __analyticsRan?: unknown }).__analyticsRan !== undefined,
          undefined,
          { timeout: 15_000 },
        );
        expect(await analyticsRan(page)).toEqual({ bannerInDom: true });
        expect(violations).toEqual([]);
        expect(errors).toEqual([]);
      } finally {
        await context.close();
      }
    });

    for (const [width, height] of [
      [320, 568],
      [568, 320],
    ] as const) {
      it(`on a ${width} × ${height} phone, every choice, Object included, is in view and under a finger, and the page stays visible`, async () => {
        const { context, page, violations, errors } = await open(shop, "/", {
          beforeGoto: (tab) => tab.setViewportSize({ width, height }),
        });
        try {
          await bannerAtRest(page);
          const layout = await page.evaluate(() => {
            const shadow = document.querySelector("opencontact-consent")?.shadowRoot;
            const section = shadow?.querySelector('[data-occ="banner"]') as HTMLElement;
            const buttons = Array.from(section.querySelectorAll("[data-occ-action]"), (button) => {
              const box = button.getBoundingClientRect();
              const hit = shadow?.elementFromPoint(box.left + box.width / 2, box.top + box.height / 2);
              return {
                action: button.getAttribute("data-occ-action"),
                inView: box.top >= 0 && box.left >= 0 && box.bottom <= innerHeight && box.right <= innerWidth,
                underFinger: !!hit && button.contains(hit),
                bigEnough: box.width >= 44 && box.height >= 44,
              };
            });
            return { buttons, share: section.getBoundingClientRect().height / innerHeight };
          });
          expect(layout.buttons.map(({ action }) => action)).toEqual(["reject-all", "accept-all", "object", "manage"]);
          for (const button of layout.buttons) {
            expect(button, button.action ?? "").toMatchObject({ inView: true, underFinger: true, bigEnough: true });
          }
          // Half the screen at most (banner.css), so the page stays visible behind it.
          expect(layout.share).toBeLessThanOrEqual(0.5 + 0.01);
          expect(violations).toEqual([]);
          expect(errors).toEqual([]);
        } finally {
          await context.close();
        }
      });
    }

    it("the dialog, opened from Manage by keyboard, shows the rule and the analytics basis, which follows its switch; axe and focus hold", async () => {
      const { context, page, violations, errors } = await open(shop, "/");
      try {
        await bannerAtRest(page);
        await page.waitForLoadState("load");
        await tabTo(page, "Manage preferences");
        await page.keyboard.press("Enter");
        const dialog = page.getByRole("dialog", { name: "Cookie preferences" });
        await dialog.waitFor({ timeout: 15_000 });
        const rules = dialog.locator('[data-occ="rules"]');
        expect(await rules.isVisible()).toBe(true);
        expect(await rules.textContent()).toMatch(/UK rules/);
        // Each category's basis: analytics on unless the visitor objects, targeting only with consent.
        const basisOf = (id: string) =>
          dialog
            .locator("li")
            .filter({ has: page.locator(`#occ-${id}-name`) })
            .locator("[data-occ-basis]");
        expect(await basisOf("analytics").getAttribute("data-occ-basis")).toBe("exception-not-objected");
        expect(await basisOf("analytics").textContent()).toMatch(/unless you object/i);
        expect(await basisOf("targeting").getAttribute("data-occ-basis")).toBe("consent");
        expect(await basisOf("functionality").getAttribute("data-occ-basis")).toBe("consent");
        // A switch turned by keyboard changes the basis beside it and keeps focus: nothing is rebuilt.
        const analytics = dialog.getByRole("switch", { name: "Analytical or performance cookies" });
        const focusedHere = () =>
          analytics.evaluate((element) => (element.getRootNode() as ShadowRoot).activeElement === element);
        await analytics.focus();
        await page.keyboard.press("Space");
        await expect.poll(() => basisOf("analytics").getAttribute("data-occ-basis")).toBe("objected");
        expect(await basisOf("analytics").textContent()).toMatch(/you objected/i);
        expect(await analytics.getAttribute("aria-checked")).toBe("false");
        expect(await focusedHere()).toBe(true);
        await page.keyboard.press("Space");
        await expect.poll(() => basisOf("analytics").getAttribute("data-occ-basis")).toBe("exception-not-objected");
        expect(await focusedHere()).toBe(true);
        expect(await axe(page)).toEqual([]);
        // Tab stays inside the modal dialog.
        for (let i = 0; i < 20; i++) {
          await page.keyboard.press("Tab");
          expect(
            await page.evaluate(() => {
              let active = document.activeElement;
              while (active?.shadowRoot?.activeElement) active = active.shadowRoot.activeElement;
              return !!active?.closest('[data-occ="preferences"]');
            }),
          ).toBe(true);
        }
        await page.keyboard.press("Escape");
        await dialog.waitFor({ state: "detached" });
        expect(await focusedName(page)).toBe("Manage preferences");
        expect(violations).toEqual([]);
        expect(errors).toEqual([]);
      } finally {
        await context.close();
      }
    });
  });

  describe("EEA visitor (same UK_EXCEPTION, country forced to DE)", () => {
    let shop: Shop;
    let worker: WorkerServer;

    beforeAll(async () => {
      ({ shop, worker } = await startShop({ UK_EXCEPTION, DEV_FORCE_COUNTRY: "DE" }));
    });
    afterAll(async () => {
      await worker?.stop();
      shop?.server.close();
    });

    it("sees today's opt-in banner, nothing gated runs before a choice, Accept all runs both and logs eea", async () => {
      const { context, page, posts, rulesRequests, violations, errors, warnings } = await open(shop, "/");
      try {
        await bannerAtRest(page);
        await page.waitForLoadState("networkidle");
        expect(rulesRequests).toEqual(["GET"]);
        expect(await banner(page).getAttribute("data-rules")).not.toBe("uk");
        expect(await ukNotice(page).count()).toBe(0);
        expect(await objectButton(page).count()).toBe(0);
        expect(await page.getByRole("button", { name: "Reject all" }).isVisible()).toBe(true);
        // Opt-in: nothing gated ran, no analytics cookie, Consent Mode still at its all-denied default.
        expect(shop.loads).toEqual({ analytics: 0, targeting: 0 });
        expect(await anyAnalyticsRan(page)).toBe(false);
        expect(await targetingRan(page)).toBeUndefined();
        expect(await cookieNames(context)).not.toContain("_ga");
        expect((await dataLayer(page)).map((command) => command.name)).toEqual(["consent default"]);
        expect(await axe(page)).toEqual([]);
        await page.waitForLoadState("load");
        await tabTo(page, "Accept all");
        await page.keyboard.press("Enter");
        await page.waitForFunction(
          () => {
            const page = window as unknown as { __analyticsRan?: unknown; __targetingRan?: boolean };
            return page.__analyticsRan !== undefined && page.__targetingRan === true;
          },
          undefined,
          { timeout: 15_000 },
        );
        await expect.poll(() => posts.length, { timeout: 15_000 }).toBe(1);
        expect(posts[0]).toMatchObject({
          method: "accept_all",
          choices: { analytics: true, functionality: true, targeting: true },
          ruleSet: "eea",
          basis: { analytics: "consent", functionality: "consent", targeting: "consent" },
          source: "banner",
          trusted: true,
        });
        await expect
          .poll(() => storedEvents(worker, posts[0]?.consentId ?? ""), { timeout: 15_000 })
          .toEqual([expect.objectContaining({ method: "accept_all", region: "eea", rule_set: "eea" })]);
        expect(violations).toEqual([]);
        expect(errors).toEqual([]);
        expect(warnings).toEqual([]);
      } finally {
        await context.close();
      }
    });
  });
});
