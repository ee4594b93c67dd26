/**
 * Themes stay readable in Chromium, whatever subset of the --occ-* properties
 * a site sets: axe-core (colour contrast included) on the banner and the
 * dialog for every CSS example in the "Theming" section of docs/widget.md, for light
 * and dark visitors, with the off switches' borders at 3:1 (axe checks only
 * text), and for `data-theme` fixed against the visitor's system.
 */
import { readFileSync } from "node:fs";
import type { Browser, Page } from "playwright-core";
import { describe, expect, inject, it } from "vitest";
import { axe } from "./axe.ts";
import { CHROMIUM, useBrowser } from "./browser.ts";

/** The "Theming" section of docs/widget.md: its CSS examples are what sites copy. */
const THEMING = /^## Theming\n([\s\S]*?)^## /m.exec(readFileSync("docs/widget.md", "utf8"))?.[1] ?? "";
const CSS_EXAMPLES = Array.from(THEMING.matchAll(/```css\n([\s\S]*?)```/g), (match) => match[1] ?? "");

type Scheme = "light" | "dark";

/**
 * A small company page on the worker's origin with the site's theme in its own
 * stylesheet and the widget's tag, as a site would paste it.
 */
async function themedSite(browser: Browser, url: string, css: string, colorScheme: Scheme, theme?: Scheme) {
  const context = await browser.newContext({ colorScheme, reducedMotion: "reduce" });
  const page = await context.newPage();
  await page.route(url, (route) =>
    route.fulfill({
      contentType: "text/html; charset=utf-8",
      body: `<!doctype html><html lang="en-GB"><head><meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1"><title>Themed shop</title>
        <style>${css}</style>
        <script src="/consent.js"${theme ? ` data-theme="${theme}"` : ""} defer></script>
        </head><body><header><a href="/">Themed shop</a></header>
        <main><h1>Hand-made tea cups</h1><p>Fired in our workshop in Stoke-on-Trent.</p></main></body></html>`,
    }),
  );
  await page.goto(url);
  await page.getByRole("region", { name: "Cookie choices" }).waitFor();
  return page;
}

/** axe on the banner, then on the dialog with a switch turned on (the accent behind its knob). */
async function axeBannerAndDialog(page: Page): Promise<string[][]> {
  const banner = await axe(page);
  await page.getByRole("button", { name: "Manage preferences" }).click();
  await page.getByRole("switch", { name: "Targeting cookies" }).click();
  return [banner, await axe(page)];
}

/**
 * WCAG 2 contrast between an off switch's border (all that shows it, WCAG 1.4.11 asks 3:1) and
 * the dialog behind it; axe checks text only. Colours are resolved by a canvas, which reads any
 * CSS colour syntax.
 */
function offSwitchContrast(page: Page): Promise<number> {
  return page.evaluate(() => {
    const shadow = document.querySelector("opencontact-consent")?.shadowRoot;
    const toSwitch = shadow?.querySelector('[role="switch"][aria-checked="false"]');
    const dialog = shadow?.querySelector("dialog");
    const canvas = document.createElement("canvas").getContext("2d", { willReadFrequently: true });
    if (!toSwitch || !dialog || !canvas) return 0;
    const luminance = (colour: string) => {
      canvas.clearRect(0, 0, 1, 1);
      canvas.fillStyle = colour;
      canvas.fillRect(0, 0, 1, 1);
      const [r = 0, g = 0, b = 0] = Array.from(canvas.getImageData(0, 0, 1, 1).data, (value) => {
        const channel = value / 255;
        return channel <= 0.04045 ? channel / 12.92 : ((channel + 0.055) / 1.055) ** 2.4;
      });
      return 0.2126 * r + 0.7152 * g + 0.0722 * b;
    };
    const [light, dark] = [
      luminance(getComputedStyle(toSwitch).borderTopColor),
      luminance(getComputedStyle(dialog).backgroundColor),
    ].sort((a, b) => b - a);
    return ((light ?? 0) + 0.05) / ((dark ?? 0) + 0.05);
  });
}

function bannerBackground(page: Page): Promise<string> {
  return page
    .getByRole("region", { name: "Cookie choices" })
    .evaluate((banner) => getComputedStyle(banner).backgroundColor);
}

describe.skipIf(!CHROMIUM)("widget themes in Chromium", () => {
  const browser = useBrowser();
  const base = () => inject("baseUrl");

  it("finds the theming examples in docs/widget.md", () => {
    expect(CSS_EXAMPLES.length).toBeGreaterThanOrEqual(3);
    expect(CSS_EXAMPLES[0]).toMatch(/^:root \{\n {2}--occ-accent: #\w+;\n\}\n$/);
  });

  for (const [index, css] of CSS_EXAMPLES.entries()) {
    for (const colorScheme of ["light", "dark"] as const) {
      it(`docs/widget.md theming example ${index + 1} passes axe, and its off switches show, for ${colorScheme} visitors`, async () => {
        const page = await themedSite(browser(), `${base()}/themed-${index}-${colorScheme}`, css, colorScheme);
        expect(await axeBannerAndDialog(page)).toEqual([[], []]);
        expect(await offSwitchContrast(page)).toBeGreaterThanOrEqual(3);
        await page.context().close();
      });
    }
  }

  for (const [theme, systemScheme, background] of [
    ["light", "dark", "rgb(255, 255, 255)"],
    ["dark", "light", "rgb(31, 33, 37)"],
  ] as const) {
    it(`data-theme="${theme}" holds for a ${systemScheme} system and passes axe, alone or beside an accent`, async () => {
      for (const css of ["", CSS_EXAMPLES[0] ?? ""]) {
        const page = await themedSite(browser(), `${base()}/fixed-${theme}`, css, systemScheme, theme);
        expect(await bannerBackground(page)).toBe(background);
        expect(await axeBannerAndDialog(page)).toEqual([[], []]);
        await page.context().close();
      }
    });
  }

  it("follows the visitor's system by default", async () => {
    const page = await themedSite(browser(), `${base()}/auto`, "", "dark");
    expect(await bannerBackground(page)).toBe("rgb(31, 33, 37)");
    await page.emulateMedia({ colorScheme: "light" });
    expect(await bannerBackground(page)).toBe("rgb(255, 255, 255)");
    await page.context().close();
  });
});
