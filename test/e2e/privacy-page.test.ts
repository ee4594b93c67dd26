import { describe, expect, inject, it } from "vitest";
import { CHROMIUM, useBrowser } from "./browser.ts";

describe.skipIf(!CHROMIUM)("privacy statement in Chromium", () => {
  const browser = useBrowser();

  it("shows the statement under its strict CSP with no violations, readable on a phone", async () => {
    const page = await browser().newPage({ viewport: { width: 320, height: 640 } });
    const violations: string[] = [];
    page.on("console", (message) => {
      if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
    });
    await page.goto(`${inject("baseUrl")}/privacy`);
    await expect(page.getByRole("heading", { level: 1 }).textContent()).resolves.toBe("Privacy Statement");
    await expect(page.getByRole("link", { name: "info@opencontact.co.uk" }).first().getAttribute("href")).resolves.toBe(
      "mailto:info@opencontact.co.uk",
    );
    // The stylesheet loaded (same origin, allowed by the CSP): the body has no horizontal overflow.
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    const fontFamily = await page.evaluate(() => getComputedStyle(document.body).fontFamily);
    expect(fontFamily).toContain("system-ui");
    expect(violations).toEqual([]);
    await page.close();
  });
});
