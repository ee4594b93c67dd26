/**
 * The widget's language in Chromium, on a shop of its own origin: the pack
 * comes from `data-language`, `<html lang>` or the browser's languages
 * (`fr-CA` gets `fr`), en-GB with one warning when none has a pack; the
 * French pack is a part loaded before the banner shows, so the banner never
 * changes language in front of the visitor, and a returning visit loads that
 * part alone; a site's own packs by URL, right to left for Arabic; and the
 * `texts_hash` in D1 is the hash of the pack shown (scripts/language-packs.ts).
 */
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { Browser, BrowserContext, Page, Request } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { packTextsHash } from "../../scripts/language-packs.ts";
import type { LanguagePack } from "../../widget/lang/check.ts";
import { CHROMIUM, launchBrowser } from "./browser.ts";
import { serveSiteAndWorker } from "./site-server.ts";
import { visit, waitForEmptyOutbox } from "./widget-helpers.ts";
import { queryD1, type WorkerServer } from "./worker-server.ts";

const FRENCH = JSON.parse(readFileSync("widget/lang/packs/fr.json", "utf8")) as LanguagePack;

/** A site's own pack: the French one's texts under another tag, marked so a test can tell them apart. */
function sitePack(language: string, dir: "ltr" | "rtl", mark: string, buttons: Record<string, string> = {}) {
  const mapped = <T extends Record<string, string>>(texts: T) =>
    Object.fromEntries(Object.entries(texts).map(([key, text]) => [key, `${mark} ${text}`])) as T;
  return {
    language,
    dir,
    messages: { ...mapped(FRENCH.messages), ...buttons },
    categories: Object.fromEntries(
      Object.entries(FRENCH.categories).map(([id, texts]) => [id, mapped(texts)]),
    ) as LanguagePack["categories"],
  } satisfies LanguagePack;
}

const ARABIC = sitePack("ar", "rtl", "ع", { rejectAll: "رفض الكل", acceptAll: "قبول الكل" });
const GERMAN = sitePack("de", "ltr", "DE", { acceptAll: "Alle akzeptieren" });
const { reopen: _, ...withoutReopen } = GERMAN.messages;
/** The site's packs, by path; de-broken.json lacks a message. */
const PACKS: Record<string, unknown> = {
  "/packs/ar.json": ARABIC,
  "/packs/de.json": GERMAN,
  "/broken/de.json": { ...GERMAN, messages: withoutReopen },
};

interface Row {
  language: string;
  texts_hash: string | null;
}

describe.skipIf(!CHROMIUM)("the widget's language in Chromium", () => {
  let browser: Browser;
  let site: Server;
  let worker: WorkerServer;
  let siteOrigin = "";
  let widgetOrigin = "";

  beforeAll(async () => {
    browser = await launchBrowser();
    // `/shop?lang=…&data-language=…&pack=…`: a shop page whose <html lang> and widget tag say so.
    site = createServer((request, response) => {
      const url = new URL(request.url ?? "/", "http://site");
      const pack = PACKS[url.pathname];
      if (pack) {
        response.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify(pack));
        return;
      }
      if (url.pathname !== "/shop") {
        response.writeHead(404).end();
        return;
      }
      const htmlLang = url.searchParams.get("lang");
      const attribute = url.searchParams.get("data-language");
      const packs = url.searchParams.get("pack");
      response.writeHead(200, { "Content-Type": "text/html; charset=utf-8" });
      response.end(`<!doctype html><html${htmlLang === null ? "" : ` lang="${htmlLang}"`}><head><title>Shop</title>
        <script src="${widgetOrigin}/consent.js"${attribute ? ` data-language="${attribute}"` : ""}${packs ? ` data-language-pack="${packs}"` : ""}></script>
        </head><body><main><h1>A shop</h1><p>Content.</p></main></body></html>`);
    });
    ({ siteOrigin, widgetOrigin, worker } = await serveSiteAndWorker(site));
  });
  afterAll(async () => {
    await browser?.close();
    await worker?.stop();
    site?.close();
  });

  interface Shop {
    context: BrowserContext;
    page: Page;
    /** The widget's console warnings and errors (not the browser's own, such as a missing favicon). */
    logs: string[];
    /** Parts the page requested, by name. */
    parts: string[];
    errors: string[];
  }

  /**
   * A fresh visitor (browser `locale`: Chromium's languages). An init script records the banner's
   * text as it is first put on the page, before any frame can show it.
   */
  async function shop(locale = "en-GB"): Promise<Shop> {
    const context = await browser.newContext({ locale, viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    const logs: string[] = [];
    const parts: string[] = [];
    const errors: string[] = [];
    page.on("console", (message) => {
      if (/^OpenContact/.test(message.text())) logs.push(message.text());
    });
    page.on("pageerror", (error) => errors.push(error.message));
    page.on("request", (request: Request) => {
      const part = /\/parts\/([\w-]+)\./.exec(request.url())?.[1];
      if (part) parts.push(part);
    });
    await page.addInitScript(() => {
      new MutationObserver((_, observer) => {
        const host = document.querySelector("opencontact-consent");
        if (!host?.shadowRoot?.querySelector('[data-occ="banner"]')) return;
        (window as { firstBanner?: string }).firstBanner = host?.shadowRoot?.textContent ?? "";
        observer.disconnect();
      }).observe(document, { childList: true, subtree: true });
    });
    return { context, page, logs, parts, errors };
  }

  const root = (page: Page) =>
    page.evaluate(() => {
      const element = document.querySelector("opencontact-consent")?.shadowRoot?.querySelector(".root");
      return { lang: element?.getAttribute("lang"), dir: element?.getAttribute("dir") };
    });

  const loggedRow = async (page: Page): Promise<Row> => {
    await waitForEmptyOutbox(page);
    const id = await page.evaluate(() => window.OpenContactConsent?.get()?.consentId);
    const rows = queryD1<Row>(worker.persistDir, `SELECT * FROM consent_events WHERE consent_id = '${id}'`);
    expect(rows).toHaveLength(1);
    return rows[0] as Row;
  };

  it("data-language: the French pack, a part loaded before the banner shows it; D1 keeps its hash; a returning visit loads that part alone", async () => {
    const { context, page, logs, parts, errors } = await shop();
    try {
      await page.goto(`${siteOrigin}/shop?lang=en-GB&data-language=fr`);
      await page.getByRole("button", { name: FRENCH.messages.acceptAll }).waitFor();
      // The banner was French from the first moment it was on the page: no English, no relayout.
      const first = await page.evaluate(() => (window as { firstBanner?: string }).firstBanner);
      expect(first).toContain(FRENCH.messages.bannerTitle);
      expect(first).not.toContain("Accept all");
      expect(await root(page)).toEqual({ lang: "fr", dir: "ltr" });
      expect(parts[0]).toBe("lang-fr");
      await page.getByRole("button", { name: FRENCH.messages.acceptAll }).click();
      expect(await loggedRow(page)).toEqual(
        expect.objectContaining({ language: "fr", texts_hash: await packTextsHash(FRENCH) }),
      );

      parts.length = 0;
      await page.reload();
      await page.getByRole("button", { name: FRENCH.messages.reopen }).waitFor();
      expect(parts).toEqual(["lang-fr"]);
      expect(logs).toEqual([]);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it("a returning visit in en-GB loads no part", async () => {
    const { context, page, parts } = await shop();
    try {
      await page.goto(`${siteOrigin}/shop?lang=en-GB`);
      await page.getByRole("button", { name: "Accept all" }).click();
      expect(await loggedRow(page)).toEqual(expect.objectContaining({ language: "en-GB", texts_hash: null }));
      parts.length = 0;
      await page.reload();
      await page.getByRole("button", { name: "Cookie settings" }).waitFor();
      expect(parts).toEqual([]);
      expect(await root(page)).toEqual({ lang: "en-GB", dir: "ltr" });
    } finally {
      await context.close();
    }
  });

  it.each([
    ["<html lang>, a region getting its language", "/shop?lang=fr-CA", "en-GB"],
    ["the browser's languages (Chromium's locale)", "/shop", "fr-CA"],
  ])("%s: French", async (_, path, locale) => {
    const { context, page, logs } = await shop(locale);
    try {
      await page.goto(`${siteOrigin}${path}`);
      await page.getByRole("button", { name: FRENCH.messages.rejectAll }).waitFor();
      expect(await root(page)).toEqual({ lang: "fr", dir: "ltr" });
      expect(logs).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it("a page in a language without a pack gets en-GB, and one warning naming the missing pack", async () => {
    const { context, page, logs, parts } = await shop();
    try {
      await page.goto(`${siteOrigin}/shop?lang=de-AT`);
      await page.getByRole("button", { name: "Accept all" }).waitFor();
      expect(await root(page)).toEqual({ lang: "en-GB", dir: "ltr" });
      expect(logs).toEqual([
        'OpenContact Consent: no "de-AT" language pack: showing en-GB; add widget/lang/packs/de-AT.json or data-language-pack',
      ]);
      expect(parts.filter((part) => part.startsWith("lang-"))).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it("a site's own right-to-left pack by URL: dir=rtl on the root and the banner laid out right to left", async () => {
    const { context, page, logs, errors } = await shop();
    try {
      await page.goto(`${siteOrigin}/shop?lang=ar&pack=/packs/de.json%20/packs/ar.json`);
      const reject = page.getByRole("button", { name: ARABIC.messages.rejectAll });
      const accept = page.getByRole("button", { name: ARABIC.messages.acceptAll });
      await reject.waitFor();
      expect(await root(page)).toEqual({ lang: "ar", dir: "rtl" });
      expect(await reject.evaluate((button) => getComputedStyle(button.parentElement as Element).direction)).toBe(
        "rtl",
      );
      // The first button in the source (Reject all) sits rightmost, and the text starts at the right.
      const [rejectBox, acceptBox] = [await reject.boundingBox(), await accept.boundingBox()];
      expect(rejectBox?.x).toBeGreaterThan(acceptBox?.x ?? Number.POSITIVE_INFINITY);
      await accept.click();
      expect(await loggedRow(page)).toEqual(
        expect.objectContaining({ language: "ar", texts_hash: await packTextsHash(ARABIC) }),
      );
      expect(logs).toEqual([]);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it("a site's own pack by URL is shown, and a broken one is ignored with one warning naming the URL and the key", async () => {
    const good = await shop();
    try {
      await good.page.goto(`${siteOrigin}/shop?lang=de&pack=/packs/de.json`);
      await good.page.getByRole("button", { name: "Alle akzeptieren" }).click();
      expect(await loggedRow(good.page)).toEqual(
        expect.objectContaining({ language: "de", texts_hash: await packTextsHash(GERMAN) }),
      );
      expect(good.logs).toEqual([]);
    } finally {
      await good.context.close();
    }
    const broken = await shop();
    try {
      await broken.page.goto(`${siteOrigin}/shop?lang=de&pack=/broken/de.json`);
      await broken.page.getByRole("button", { name: "Accept all" }).waitFor();
      expect(await root(broken.page)).toEqual({ lang: "en-GB", dir: "ltr" });
      expect(broken.logs).toEqual([
        'OpenContact Consent: data-language-pack="/broken/de.json" ignored: messages.reopen: missing',
      ]);
      expect(broken.errors).toEqual([]);
    } finally {
      await broken.context.close();
    }
  });

  it("the demo's language switch shows the banner in French under the demo's strict CSP", async () => {
    const { context, page, violations, errors } = await visit(browser, `${inject("baseUrl")}/`);
    try {
      await page.getByRole("button", { name: "Accept all" }).waitFor();
      await page.getByRole("link", { name: "Français" }).click();
      await page.getByRole("button", { name: FRENCH.messages.acceptAll }).waitFor();
      expect(await root(page)).toEqual({ lang: "fr", dir: "ltr" });
      expect(violations).toEqual([]);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
