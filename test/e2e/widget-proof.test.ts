/**
 * Issue 13 from the visitor's browser: each post says where the choice was
 * made and whether a person made it (a real click on the banner is trusted, a
 * page script calling the API on its own is not, inside a real click it is),
 * the dialog offers the latest receipt as a `.json` download under the strict
 * CSP, and texts a site overrides are PUT once when the log asks for them.
 *
 * Against the real worker: page.route only records what the widget sends and
 * what the worker answers (receipt, `textsWanted`, the stored texts).
 */
import { readFileSync } from "node:fs";
import type { Page } from "playwright-core";
import { describe, expect, inject, it } from "vitest";
import { sha256Hex } from "../../shared/revision.ts";
import { RECEIPT_KEY } from "../../widget/storage.ts";
import { CHROMIUM, useBrowser } from "./browser.ts";
import { visit, waitForEmptyOutbox } from "./widget-helpers.ts";

const NONCE = "r4nd0mN0nce";
/** The strict policy of widget-csp.test.ts, page and widget on one origin here. */
const csp = (origin: string) =>
  `default-src 'none'; script-src ${origin} 'nonce-${NONCE}'; style-src ${origin}; connect-src ${origin}`;

interface Posted {
  body: Record<string, unknown>;
  /** What the page received: the worker's receipt (and `textsWanted` when it lacks the texts). */
  answer: string;
}

interface Log {
  posts: Posted[];
  puts: { url: string; body: string }[];
}

/** Serves `html` at `path` on the worker's origin under the strict CSP, and records what the widget sends. */
async function open(page: Page, path: string, html: string): Promise<Log> {
  const base = inject("baseUrl");
  const log: Log = { posts: [], puts: [] };
  await page.route(`**${path}`, (route) =>
    route.fulfill({
      contentType: "text/html; charset=utf-8",
      headers: { "Content-Security-Policy": csp(base) },
      body: html,
    }),
  );
  await page.route("**/api/consent", async (route) => {
    const request = route.request();
    if (request.method() !== "POST") return route.fallback();
    const body = JSON.parse(request.postData() ?? "{}") as Record<string, unknown>;
    const response = await route.fetch();
    const answer = await response.text();
    log.posts.push({ body, answer });
    await route.fulfill({ response, body: answer });
  });
  await page.route("**/api/texts/*", async (route) => {
    const request = route.request();
    log.puts.push({ url: request.url(), body: request.postData() ?? "" });
    await route.fallback();
  });
  await page.goto(`${base}${path}`);
  return log;
}

const page = (head: string, body = "", attributes = "") => `<!doctype html><html lang="en"><head><meta charset="utf-8">
  <title>Support plans | OpenContact</title>${head}
  <script src="/consent.js" nonce="${NONCE}"${attributes}></script></head>
  <body><header><a href="/">OpenContact</a> <a href="#cookie-settings" data-consent-open>Cookie settings</a></header>
  <main><h1>Support plans</h1><p>Cover for your contact centre, 24 hours a day.</p>${body}</main></body></html>`;

describe.skipIf(!CHROMIUM)("proof of each choice, in Chromium", () => {
  const browser = useBrowser();

  it("a real click on the banner posts source banner, trusted; the dialog's receipt download is the log's answer", async () => {
    const { context, page: tab, errors, violations } = await visit(browser(), "");
    try {
      const log = await open(tab, "/plans.html", page(""));
      await tab.getByRole("button", { name: "Accept all" }).click();
      await waitForEmptyOutbox(tab);
      expect(log.posts).toHaveLength(1);
      expect(log.posts[0]?.body).toMatchObject({ method: "accept_all", source: "banner", trusted: true });
      // The log's own /privacy: nothing to record.
      expect(log.posts[0]?.body).not.toHaveProperty("privacyUrl");
      const answer = log.posts[0]?.answer as string;
      expect(JSON.parse(answer)).toMatchObject({ eventId: log.posts[0]?.body.eventId, record: expect.any(Object) });
      expect(await tab.evaluate((key) => localStorage.getItem(key), RECEIPT_KEY)).toBe(answer);

      await tab.getByRole("link", { name: "Cookie settings" }).click();
      const dialog = tab.getByRole("dialog", { name: "Cookie preferences" });
      const link = dialog.getByRole("link", { name: "Download your consent receipt" });
      const [download] = await Promise.all([tab.waitForEvent("download"), link.click()]);
      expect(download.suggestedFilename()).toBe(`consent-receipt-${log.posts[0]?.body.eventId}.json`);
      expect(readFileSync(await download.path(), "utf8")).toBe(answer);

      // A choice made in the dialog says so (not a withdrawal, which would reload); its receipt replaces the first.
      await dialog.getByRole("button", { name: "Accept all" }).click();
      await waitForEmptyOutbox(tab);
      expect(log.posts[1]?.body).toMatchObject({ method: "accept_all", source: "dialog", trusted: true });
      expect(await tab.evaluate((key) => localStorage.getItem(key), RECEIPT_KEY)).toBe(log.posts[1]?.answer);
      expect(violations).toEqual([]);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it("the JavaScript API from a page script on its own posts source api, not trusted; inside a real click, trusted", async () => {
    const { context, page: tab, errors } = await visit(browser(), "");
    try {
      const log = await open(
        tab,
        "/quote.html",
        page(
          "",
          `<button id="agree" type="button">Agree and get a quote</button>
          <script nonce="${NONCE}">
            // The site's own code: reject at load (no person involved), accept when its own button is clicked.
            addEventListener("load", () => window.OpenContactConsent.rejectAll());
            document.getElementById("agree").addEventListener("click", () => window.OpenContactConsent.acceptAll());
          </script>`,
        ),
      );
      await expect.poll(() => log.posts.length, { timeout: 20_000 }).toBe(1);
      expect(log.posts[0]?.body).toMatchObject({ method: "reject_all", source: "api", trusted: false });
      await tab.getByRole("button", { name: "Agree and get a quote" }).click();
      await expect.poll(() => log.posts.length, { timeout: 20_000 }).toBe(2);
      expect(log.posts[1]?.body).toMatchObject({ method: "accept_all", source: "api", trusted: true });
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it("texts a site overrides are PUT once, exactly what the event's textsHash names; its own privacy URL is recorded", async () => {
    const { context, page: tab, errors } = await visit(browser(), "");
    try {
      const block = JSON.stringify({ messages: { acceptAll: "Accept cookies", rejectAll: "Refuse cookies" } });
      const log = await open(
        tab,
        "/support/plans.html",
        page(
          `<script type="application/json" id="opencontact-consent-config">${block}</script>`,
          "",
          ' data-privacy-url="/legal/privacy"',
        ),
      );
      await tab.getByRole("button", { name: "Refuse cookies" }).click();
      await waitForEmptyOutbox(tab);
      const hash = log.posts[0]?.body.textsHash as string;
      expect(hash).toMatch(/^[0-9a-f]{64}$/);
      // The worker has never seen this site's texts: it asks for them.
      expect(JSON.parse(log.posts[0]?.answer ?? "{}").textsWanted).toBe(true);
      expect(log.posts[0]?.body.privacyUrl).toBe(`${inject("baseUrl")}/legal/privacy`);
      await expect.poll(() => log.puts.length).toBe(1);
      expect(log.puts[0]?.url).toBe(`${inject("baseUrl")}/api/texts/${hash}`);
      expect(await sha256Hex(log.puts[0]?.body as string)).toBe(hash);
      expect(JSON.parse(log.puts[0]?.body as string).messages.acceptAll).toBe("Accept cookies");

      // A second choice: the worker stored the texts, so it no longer asks and nothing more is sent.
      // (Accepting: a withdrawal would reload the page.)
      await tab.getByRole("link", { name: "Cookie settings" }).click();
      await tab.getByRole("dialog").getByRole("button", { name: "Accept cookies" }).click();
      await waitForEmptyOutbox(tab);
      expect(log.posts).toHaveLength(2);
      expect(JSON.parse(log.posts[1]?.answer ?? "{}").textsWanted).toBeUndefined();
      expect(log.puts).toHaveLength(1);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
