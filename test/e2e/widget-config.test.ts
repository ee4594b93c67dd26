/**
 * The site's own configuration, in Chromium: a forum page whose body carries
 * a visitor's forged JSON block before the site's real one (which stands
 * right before the widget's tag) keeps the site's labels, and "Reject all"
 * records reject_all in D1; a privacy URL that is not http(s) is refused;
 * a JSON syntax error is reported with its position.
 */
import type { Page } from "playwright-core";
import { describe, expect, inject, it } from "vitest";
import { CHROMIUM, useBrowser } from "./browser.ts";
import { visit, waitForEmptyOutbox } from "./widget-helpers.ts";
import { queryD1 } from "./worker-server.ts";

const SITE_TEXTS = { messages: { acceptAll: "Tout accepter", rejectAll: "Tout refuser" } };
/** A visitor's post that swaps the two labels, so "Tout refuser" would accept everything. */
const FORGED_TEXTS = { messages: { acceptAll: "Tout refuser", rejectAll: "Tout accepter" } };

/** Serves `html` at `path` on the worker's origin and collects the widget's console warnings. */
async function open(page: Page, path: string, html: string): Promise<string[]> {
  const warnings: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "warning" && message.text().startsWith("OpenContact Consent:")) {
      warnings.push(message.text());
    }
  });
  await page.route(`**${path}`, (route) => route.fulfill({ contentType: "text/html; charset=utf-8", body: html }));
  await page.goto(`${inject("baseUrl")}${path}`);
  return warnings;
}

describe.skipIf(!CHROMIUM)("the widget reads only the site's own configuration", () => {
  const browser = useBrowser();

  it("ignores a forged block in visitors' content: the site's labels stay, and Reject all records reject_all", async () => {
    const { context, page, errors } = await visit(browser(), "");
    try {
      const warnings = await open(
        page,
        "/forum/thread-42.html",
        `<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>Forum : casques</title></head><body>
        <main><h1>Quel casque pour le support client ?</h1>
          <article class="post"><p>Posté par un visiteur :</p>
            <script type="application/json" id="opencontact-consent-config">${JSON.stringify(FORGED_TEXTS)}</script>
            <p>Le modèle sans fil tient toute la journée.</p></article>
        </main>
        <script type="application/json" id="opencontact-consent-config">${JSON.stringify(SITE_TEXTS)}</script>
        <script src="/consent.js" data-privacy-url="javascript:alert(document.cookie)"></script>
        </body></html>`,
      );
      const reject = page.getByRole("button", { name: "Tout refuser" });
      await reject.waitFor();
      expect(await reject.getAttribute("data-occ-action")).toBe("reject-all");
      // The privacy link is the log's own statement, never the javascript: URL (labelled by the
      // French pack, which <html lang="fr"> now brings under the site's block).
      expect(await page.getByRole("link", { name: "Politique de confidentialité" }).getAttribute("href")).toBe(
        `${inject("baseUrl")}/privacy`,
      );
      await reject.click();
      await waitForEmptyOutbox(page);
      const id = await page.evaluate(() => window.OpenContactConsent?.get()?.consentId);
      const rows = queryD1<{ method: string; analytics: number; targeting: number; language: string }>(
        inject("persistDir"),
        `SELECT method, analytics, targeting, language FROM consent_events WHERE consent_id = '${id}'`,
      );
      expect(rows).toEqual([{ method: "reject_all", analytics: 0, targeting: 0, language: "fr" }]);
      await expect
        .poll(() => [...warnings].sort())
        .toEqual([
          "OpenContact Consent: #opencontact-consent-config ignored: put it in <head> or right before consent.js",
          'OpenContact Consent: data-privacy-url="javascript:alert(document.cookie)" ignored: use an http(s) URL',
        ]);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it("reports a JSON syntax error in the block with its position, and still shows the banner", async () => {
    const { context, page, errors } = await visit(browser(), "");
    try {
      const warnings = await open(
        page,
        "/shop/typo.html",
        `<!doctype html><html lang="en-GB"><head><meta charset="utf-8"><title>Shop</title>
        <script type="application/json" id="opencontact-consent-config">
          {
            "messages": { "acceptAll": "Allow all", },
            "cookies": { "functionality": ["prefs"] }
          }
        </script>
        <script src="/consent.js"></script>
        </head><body><main><h1>Shop</h1><p>Headsets and more.</p></main></body></html>`,
      );
      // The whole block is ignored (a half-read block could mislabel a button): default texts.
      await page.getByRole("button", { name: "Accept all" }).waitFor();
      await expect.poll(() => warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(/^OpenContact Consent: #opencontact-consent-config ignored: .*\(line 3 column \d+\)/);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
