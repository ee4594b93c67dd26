/**
 * The banner and the dialog on real phone emulation in Chromium (viewport,
 * touch, mobile viewport meta, device pixel ratio): the page stays mostly
 * visible, every choice button is in view and under the finger without
 * scrolling, nothing scrolls sideways at 320 CSS px (WCAG 2.2 1.4.10 reflow),
 * targets are 44 px (2.5.8 asks 24), and axe passes. Also a desktop at 200%
 * zoom, and a phone turned from portrait to landscape with the banner open.
 */

import type { Browser, Page } from "playwright-core";
import { describe, expect, inject, it } from "vitest";
import { axe } from "./axe.ts";
import { CHROMIUM, useBrowser } from "./browser.ts";

interface Device {
  name: string;
  width: number;
  height: number;
  deviceScaleFactor: number;
  isMobile: boolean;
}

const DEVICES: Device[] = [
  {
    name: "a small phone upright (iPhone SE, 1st generation)",
    width: 320,
    height: 568,
    deviceScaleFactor: 2,
    isMobile: true,
  },
  { name: "a small phone on its side", width: 568, height: 320, deviceScaleFactor: 2, isMobile: true },
  { name: "a common phone (iPhone 12 to 14)", width: 390, height: 844, deviceScaleFactor: 3, isMobile: true },
  { name: "a 1280 × 800 desktop at 200% zoom", width: 640, height: 400, deviceScaleFactor: 2, isMobile: false },
];

async function open(browser: Browser, url: string, device: Device): Promise<Page> {
  const context = await browser.newContext({
    viewport: { width: device.width, height: device.height },
    deviceScaleFactor: device.deviceScaleFactor,
    isMobile: device.isMobile,
    hasTouch: device.isMobile,
    reducedMotion: "reduce",
  });
  const page = await context.newPage();
  await page.goto(url);
  await page.getByRole("region", { name: "Cookie choices" }).waitFor();
  return page;
}

interface Reach {
  action: string | null;
  /** The whole button is inside the viewport. */
  inView: boolean;
  /** A finger on its centre and around it lands on the button, not on something over it. */
  underFinger: boolean;
  /** At least 44 × 44 CSS px. */
  bigEnough: boolean;
}

/** How each choice button (`data-occ-action`) of the banner or the dialog can be reached, as things stand. */
function reach(page: Page, part: "banner" | "preferences"): Promise<Reach[]> {
  return page.evaluate((part) => {
    const shadow = document.querySelector("opencontact-consent")?.shadowRoot;
    const buttons = shadow?.querySelector(`[data-occ="${part}"]`)?.querySelectorAll("[data-occ-action]") ?? [];
    return Array.from(buttons, (button) => {
      const box = button.getBoundingClientRect();
      const points = [
        [0.5, 0.5],
        [0.2, 0.2],
        [0.8, 0.2],
        [0.2, 0.8],
        [0.8, 0.8],
      ].map(([x = 0, y = 0]) => shadow?.elementFromPoint(box.left + box.width * x, box.top + box.height * y));
      return {
        action: button.getAttribute("data-occ-action"),
        inView: box.top >= 0 && box.left >= 0 && box.bottom <= innerHeight && box.right <= innerWidth,
        underFinger: points.every((hit) => !!hit && button.contains(hit)),
        bigEnough: box.width >= 44 && box.height >= 44,
      };
    });
  }, part);
}

function reachable(...actions: string[]): Reach[] {
  return actions.map((action) => ({ action, inView: true, underFinger: true, bigEnough: true }));
}

/** CSS px that scroll sideways: the page's, and the widget's own boxes'. */
function sidewaysScroll(page: Page): Promise<number[]> {
  return page.evaluate(() => {
    const shadow = document.querySelector("opencontact-consent")?.shadowRoot;
    const boxes = Array.from(shadow?.querySelectorAll(".banner, .banner p, dialog") ?? []);
    return [
      document.documentElement.scrollWidth - innerWidth,
      ...boxes.map((box) => box.scrollWidth - box.clientWidth),
    ];
  });
}

describe.skipIf(!CHROMIUM)("widget on phones and at 200% zoom in Chromium", () => {
  const browser = useBrowser();
  const base = () => inject("baseUrl");

  for (const device of DEVICES) {
    it(`on ${device.name} (${device.width} × ${device.height}), leaves the page visible and every choice in reach`, async () => {
      const page = await open(browser(), `${base()}/`, device);
      const banner = await page.getByRole("region", { name: "Cookie choices" }).boundingBox();
      // Most of the page stays visible: the banner takes half the height at most.
      expect(banner?.height).toBeLessThanOrEqual(device.height / 2);
      expect(await reach(page, "banner")).toEqual(reachable("reject-all", "accept-all", "manage"));
      expect((await sidewaysScroll(page)).every((pixels) => pixels <= 0)).toBe(true);
      expect(await axe(page)).toEqual([]);

      if (device.isMobile) await page.getByRole("button", { name: "Manage preferences" }).tap();
      else await page.getByRole("button", { name: "Manage preferences" }).click();
      await page.getByRole("dialog", { name: "Cookie preferences" }).waitFor();
      // The dialog's choices are in view at once, below categories that scroll: no page scroll either.
      expect(await reach(page, "preferences")).toEqual(reachable("reject-all", "accept-all", "save"));
      expect(await page.evaluate(() => window.scrollY)).toBe(0);
      expect((await sidewaysScroll(page)).every((pixels) => pixels <= 0)).toBe(true);
      expect(await axe(page)).toEqual([]);

      if (device.isMobile) await page.getByRole("dialog").getByRole("button", { name: "Reject all" }).tap();
      else await page.getByRole("dialog").getByRole("button", { name: "Reject all" }).click();
      await page.getByRole("dialog").waitFor({ state: "detached" });
      expect(await page.evaluate(() => window.OpenContactConsent?.get()?.choices)).toEqual({
        analytics: false,
        functionality: false,
        targeting: false,
      });

      // Back as a returning visitor: no banner, so the dialog's choices are styled by the banner's
      // sheet the core adopts for it (widget/ui/mount.ts), and are as big and in reach as before.
      await page.reload();
      const settings = page.locator("opencontact-consent").getByRole("button", { name: "Cookie settings" });
      if (device.isMobile) await settings.tap();
      else await settings.click();
      await page.getByRole("dialog", { name: "Cookie preferences" }).waitFor();
      expect(await page.getByRole("region", { name: "Cookie choices" }).count()).toBe(0);
      expect(await reach(page, "preferences")).toEqual(reachable("reject-all", "accept-all", "save"));
      expect(await axe(page)).toEqual([]);
      await page.context().close();
    });
  }

  it("keeps every choice in reach when the phone is turned, banner and dialog open", async () => {
    const upright = DEVICES[0] as Device;
    const page = await open(browser(), `${base()}/`, upright);
    for (const [width, height] of [
      [upright.height, upright.width],
      [upright.width, upright.height],
    ] as const) {
      await page.setViewportSize({ width, height });
      await expect.poll(() => reach(page, "banner")).toEqual(reachable("reject-all", "accept-all", "manage"));
    }
    await page.getByRole("button", { name: "Manage preferences" }).tap();
    await page.getByRole("dialog", { name: "Cookie preferences" }).waitFor();
    await page.setViewportSize({ width: upright.height, height: upright.width });
    await expect.poll(() => reach(page, "preferences")).toEqual(reachable("reject-all", "accept-all", "save"));
    await page.context().close();
  });
});
