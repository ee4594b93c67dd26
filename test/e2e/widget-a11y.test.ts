/**
 * The widget's accessibility bars in Chromium: keyboard-only use, axe-core
 * with zero violations (light and dark), small screens and 200% zoom, no
 * layout shift, reduced motion.
 */

import { describe, expect, inject, it } from "vitest";
import { axe } from "./axe.ts";
import { CHROMIUM, useBrowser } from "./browser.ts";
import { focusedName, tabTo, visit } from "./widget-helpers.ts";

describe.skipIf(!CHROMIUM)("widget quality bars in Chromium", () => {
  const browser = useBrowser();
  const base = () => inject("baseUrl");

  it("axe-core finds no violations in the banner or the dialog, light or dark", async () => {
    const { context, page } = await visit(browser(), `${base()}/`);
    for (const colorScheme of ["light", "dark"] as const) {
      await page.emulateMedia({ colorScheme, reducedMotion: "reduce" });
      await page.getByRole("region", { name: "Cookie choices" }).waitFor();
      expect(await axe(page)).toEqual([]);
      await page.getByRole("button", { name: "Manage preferences" }).click();
      await page.getByRole("switch", { name: "Targeting cookies" }).click();
      expect(await axe(page)).toEqual([]);
      await page.keyboard.press("Escape");
    }
    await context.close();
  });

  it("is fully usable by keyboard: banner reachable without stealing focus, dialog trapped, Escape, focus restored", async () => {
    const { context, page } = await visit(browser(), `${base()}/`);
    await page.getByRole("region", { name: "Cookie choices" }).waitFor();
    expect(await focusedName(page)).toBe("");
    await page.keyboard.press("Tab");
    // The widget is first in the page, so keyboard users meet the choice first.
    expect(await focusedName(page)).toBe("Privacy statement");
    await tabTo(page, "Manage preferences");
    expect(
      await page.evaluate(() => {
        let active = document.activeElement;
        while (active?.shadowRoot?.activeElement) active = active.shadowRoot.activeElement;
        return active ? getComputedStyle(active).outlineStyle : "";
      }),
    ).toBe("solid");
    await page.keyboard.press("Enter");
    await page.getByRole("dialog", { name: "Cookie preferences" }).waitFor();
    expect(await focusedName(page)).toBe("Close");
    await tabTo(page, "Analytical or performance cookies");
    await page.keyboard.press("Space");
    expect(
      await page.getByRole("switch", { name: "Analytical or performance cookies" }).getAttribute("aria-checked"),
    ).toBe("true");
    // Tab never leaves the modal dialog: more presses than it has stops (8 controls, 4 disclosures).
    const seen = new Set<string>();
    for (let i = 0; i < 16; i++) {
      await page.keyboard.press("Tab");
      seen.add(await focusedName(page));
    }
    expect([...seen].sort()).toEqual(
      [
        "Accept all",
        "Analytical or performance cookies",
        "Close",
        "Functionality cookies",
        "Privacy statement",
        "Reject all",
        "Save choices",
        "Services and cookies",
        "Targeting cookies",
      ].sort(),
    );
    await tabTo(page, "Save choices");
    await page.keyboard.press("Enter");
    await page.getByRole("dialog").waitFor({ state: "detached" });
    expect(await page.evaluate(() => window.OpenContactConsent?.get()?.choices)).toEqual({
      analytics: true,
      functionality: false,
      targeting: false,
    });
    // The banner's button is gone; focus lands on the way back in.
    expect(await focusedName(page)).toBe("Cookie settings");

    // The footer link opens the dialog; Escape closes it without a change and focus returns to the link.
    await page.locator("footer a[data-consent-open]").focus();
    await page.keyboard.press("Enter");
    await page.getByRole("dialog").waitFor();
    await page.keyboard.press("Space");
    await page.keyboard.press("Escape");
    await page.getByRole("dialog").waitFor({ state: "detached" });
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe("Cookie settings");
    expect(await page.evaluate(() => window.OpenContactConsent?.get()?.choices.analytics)).toBe(true);
    await context.close();
  });

  it("fits 320 px wide and 200% zoom, and shifts no layout on the host page", async () => {
    for (const size of [
      { width: 320, height: 568 },
      { width: 640, height: 400 },
    ]) {
      const { context, page } = await visit(browser(), "", size);
      await page.addInitScript(() => {
        const shifts: number[] = [];
        (window as unknown as { shifts: number[] }).shifts = shifts;
        new PerformanceObserver((list) => {
          for (const entry of list.getEntries()) shifts.push((entry as unknown as { value: number }).value);
        }).observe({ type: "layout-shift", buffered: true });
      });
      await page.goto(`${base()}/`);
      const region = page.getByRole("region", { name: "Cookie choices" });
      await region.waitFor();
      // Measure where the banner rests, not a frame of its 0.2 s entrance (it slides up 16 px).
      await region.evaluate((element) => Promise.all(element.getAnimations().map((animation) => animation.finished)));
      const box = await region.boundingBox();
      expect(box && box.x >= 0 && box.x + box.width <= size.width && box.y + box.height <= size.height).toBe(true);
      expect(await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(
        0,
      );
      await page.getByRole("button", { name: "Manage preferences" }).click();
      const dialog = page.getByRole("dialog");
      const dialogBox = await dialog.boundingBox();
      expect(dialogBox && dialogBox.width <= size.width && dialogBox.height <= size.height).toBe(true);
      await page.getByRole("button", { name: "Save choices" }).click();
      await page.waitForLoadState("networkidle");
      expect(await page.evaluate(() => (window as unknown as { shifts: number[] }).shifts)).toEqual([]);
      await context.close();
    }
  });

  it("respects prefers-reduced-motion", async () => {
    const { context, page } = await visit(browser(), "");
    await page.emulateMedia({ reducedMotion: "reduce" });
    await page.goto(`${base()}/`);
    const region = page.getByRole("region", { name: "Cookie choices" });
    await region.waitFor();
    expect(await region.evaluate((element) => getComputedStyle(element).animationName)).toBe("none");
    await page.emulateMedia({ reducedMotion: "no-preference" });
    expect(await region.evaluate((element) => getComputedStyle(element).animationName)).not.toBe("none");
    await context.close();
  });
});
