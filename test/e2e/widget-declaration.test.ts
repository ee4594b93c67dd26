/**
 * The cookie declaration in the preferences dialog, in Chromium: a collapsed
 * disclosure per category that opens by keyboard, a table with real column
 * headers, axe-clean open and closed, light and dark, an RTL-safe switch, and
 * the same under the strict CSP on another origin.
 */
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { axe } from "./axe.ts";
import { CHROMIUM, launchBrowser } from "./browser.ts";
import { serveSiteAndWorker } from "./site-server.ts";
import { visit } from "./widget-helpers.ts";
import type { WorkerServer } from "./worker-server.ts";

/** The focused element's tag and text, looking through shadow roots. */
function focused(page: Page): Promise<string> {
  return page.evaluate(() => {
    let active = document.activeElement;
    while (active?.shadowRoot?.activeElement) active = active.shadowRoot.activeElement;
    return active ? `${active.tagName.toLowerCase()} ${active.textContent?.trim()}` : "";
  });
}

async function openDialog(page: Page) {
  await page.getByRole("button", { name: "Manage preferences" }).click();
  const dialog = page.getByRole("dialog", { name: "Cookie preferences" });
  await dialog.waitFor();
  return dialog;
}

describe.skipIf(!CHROMIUM)("the cookie declaration in the dialog, in Chromium", () => {
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
    site = createServer((_request, response) => {
      response.writeHead(200, {
        "Content-Type": "text/html; charset=utf-8",
        "Content-Security-Policy": `default-src 'none'; script-src ${widgetOrigin}; style-src ${widgetOrigin}; connect-src ${widgetOrigin}`,
      });
      response.end(`<!doctype html><html lang="en-GB"><head><title>Strict</title>
        <script src="${widgetOrigin}${release.path}" integrity="${release.integrity}" crossorigin="anonymous"></script>
        </head><body><main><h1>A strict site</h1></main></body></html>`);
    });
    ({ siteOrigin, widgetOrigin, worker } = await serveSiteAndWorker(site));
  });
  afterAll(async () => {
    await browser?.close();
    await worker?.stop();
    site?.close();
  });

  it("shows each category's services and cookies in a collapsed disclosure that opens by keyboard", async () => {
    const { context, page, errors } = await visit(browser, `${base()}/`);
    const dialog = await openDialog(page);
    const summaries = dialog.locator("summary");
    await expect.poll(() => summaries.count()).toBe(4);
    // Collapsed by default: no table is shown until asked for.
    expect(await dialog.getByRole("table").first().isVisible()).toBe(false);
    // Keyboard: Tab reaches the first disclosure (Strictly necessary's), Enter opens it.
    for (let i = 0; i < 30 && !(await focused(page)).startsWith("summary"); i++) await page.keyboard.press("Tab");
    expect(await focused(page)).toBe("summary Services and cookies");
    await page.keyboard.press("Enter");
    const table = dialog.getByRole("table").first();
    await table.waitFor();
    expect(await table.getByRole("columnheader").allTextContents()).toEqual(["Name", "Purpose", "Duration"]);
    expect(await table.getByRole("row").nth(1).getByRole("cell").allTextContents()).toEqual([
      "opencontact_consent",
      expect.stringContaining("Remembers your cookie choices"),
      "until the choice expires (6 months)",
    ]);
    expect(await dialog.getByRole("heading", { name: "Google Analytics (Google Ireland Limited)" }).isVisible()).toBe(
      false,
    );
    // The Tab trap knows summaries: Shift+Tab goes back to the link before it, not round to the last button.
    await page.keyboard.press("Shift+Tab");
    expect(await focused(page)).toBe("a Privacy statement");
    await page.keyboard.press("Escape");
    await dialog.waitFor({ state: "detached" });
    expect(errors).toEqual([]);
    await context.close();
  });

  it("passes axe with every disclosure closed and open, light and dark", async () => {
    const { context, page } = await visit(browser, `${base()}/`);
    for (const colorScheme of ["light", "dark"] as const) {
      await page.emulateMedia({ colorScheme, reducedMotion: "reduce" });
      const dialog = await openDialog(page);
      expect(await axe(page)).toEqual([]);
      for (const summary of await dialog.locator("summary").all()) await summary.click();
      await dialog.getByRole("heading", { name: "Meta Pixel (Meta Platforms Ireland Limited)" }).waitFor();
      expect(await axe(page)).toEqual([]);
      await page.keyboard.press("Escape");
      await dialog.waitFor({ state: "detached" });
    }
    await context.close();
  });

  it("moves the switch's knob from the start side in a right-to-left page", async () => {
    const { context, page } = await visit(browser, `${base()}/`);
    const dialog = await openDialog(page);
    await dialog.evaluate((element) => element.setAttribute("dir", "rtl"));
    const knob = () =>
      dialog.getByRole("switch", { name: "Targeting cookies" }).evaluate((element) => {
        const after = getComputedStyle(element, "::after");
        // Where the knob sits: its distance from the switch's right edge, the start side in RTL.
        return { fromRight: after.right };
      });
    expect((await knob()).fromRight).toBe("4px");
    await dialog.getByRole("switch", { name: "Targeting cookies" }).click();
    // Polled: the knob slides (a transition) unless reduced motion is asked for.
    await expect.poll(async () => (await knob()).fromRight).toBe("24px");
    await context.close();
  });

  it("works under the strict CSP on another origin, with zero violations", async () => {
    const { context, page, violations, errors } = await visit(browser, "");
    await page.goto(`${siteOrigin}/`);
    const dialog = await openDialog(page);
    await dialog.locator("summary").nth(1).click();
    const heading = dialog.getByRole("heading", { name: "Google Analytics (Google Ireland Limited)" });
    await heading.waitFor();
    // The part's styles applied (a constructed sheet, no inline <style>): the table is laid out as designed.
    expect(
      await dialog
        .getByRole("table")
        .first()
        .evaluate((table) => getComputedStyle(table).borderCollapse),
    ).toBe("collapse");
    expect(violations).toEqual([]);
    expect(errors).toEqual([]);
    await context.close();
  });
});
