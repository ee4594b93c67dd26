/**
 * Script and iframe gating on the demo page in Chromium: nothing optional
 * before consent, each category's tags after it is granted and only then,
 * `!category`, the gated iframe, tags added later, and withdrawal.
 */

import { describe, expect, inject, it } from "vitest";
import { CHROMIUM, useBrowser } from "./browser.ts";
import { CATEGORY_COOKIES, cookieNames, demoRuns, visit, waitForRuns } from "./widget-helpers.ts";

describe.skipIf(!CHROMIUM)("widget gating in Chromium", () => {
  const browser = useBrowser();
  const base = () => inject("baseUrl");

  it("runs no gated script, loads no gated iframe and sets no cookie before consent", async () => {
    const { context, page } = await visit(browser(), `${base()}/`);
    await page.getByRole("region", { name: "Cookie choices" }).waitFor();
    await page.waitForLoadState("networkidle");
    expect(await demoRuns(page)).toEqual([]);
    expect(await cookieNames(context)).toEqual([]);
    expect(await page.locator("iframe.map").getAttribute("src")).toBeNull();
    expect(await page.locator('script[type="text/plain"]').count()).toBe(6);
    // The page stays usable behind the banner (no cookie wall): its own links work.
    await page.getByRole("link", { name: "Visit us" }).click();
    expect(page.url()).toContain("#visit");
    await context.close();
  });

  it("runs only the granted category's tags, once each, in document order; !targeting runs while targeting is off", async () => {
    const { context, page } = await visit(browser(), `${base()}/`);
    await page.getByRole("button", { name: "Manage preferences" }).click();
    await page.getByRole("switch", { name: "Analytical or performance cookies" }).click();
    await page.getByRole("button", { name: "Save choices" }).click();
    await waitForRuns(page, ["analytics", "analytics-inline", "analytics-module", "not-targeting"]);
    await page.waitForLoadState("networkidle");
    const runs = await demoRuns(page);
    expect(runs.filter((name) => name.startsWith("analytics"))).toEqual([
      "analytics",
      "analytics-inline",
      "analytics-module",
    ]);
    expect(runs.sort()).toEqual(["analytics", "analytics-inline", "analytics-module", "not-targeting"]);
    expect(await cookieNames(context)).toEqual(["_ga", "_ga_DEMO123", "_gid", "opencontact_consent"]);
    expect(await page.locator("iframe.map").getAttribute("src")).toBeNull();
    // The live copies kept their attributes.
    expect(await page.locator('script[src="/demo/analytics-module.js"]').getAttribute("type")).toBe("module");
    expect(await page.locator('script[src="/demo/targeting.js"]').getAttribute("type")).toBe("text/plain");

    // Next page: the stored choice runs the same tags at once, each once.
    await page.reload();
    await waitForRuns(page, ["analytics", "analytics-inline", "analytics-module", "not-targeting"]);
    await page.waitForLoadState("networkidle");
    expect((await demoRuns(page)).sort()).toEqual([
      "analytics",
      "analytics-inline",
      "analytics-module",
      "not-targeting",
    ]);
    expect(await page.getByRole("region", { name: "Cookie choices" }).count()).toBe(0);
    await context.close();
  });

  it("loads the functionality iframe and tags only once functionality is granted; targeting stops !targeting", async () => {
    const { context, page } = await visit(browser(), `${base()}/`);
    await page.getByRole("button", { name: "Accept all" }).click();
    await waitForRuns(page, ["analytics", "functionality", "targeting"]);
    await page.waitForLoadState("networkidle");
    expect(await page.locator("iframe.map").getAttribute("src")).toBe("/demo/map");
    const frame = page.frameLocator("iframe.map");
    await expect(frame.getByText("Find us:").textContent()).resolves.toContain("Find us");
    expect(await demoRuns(page)).not.toContain("not-targeting");
    expect(await cookieNames(context)).toEqual([...CATEGORY_COOKIES, "opencontact_consent"].sort());
    await context.close();
  });

  it("gates tags added to the page later", async () => {
    const { context, page } = await visit(browser(), `${base()}/`);
    await page.evaluate(() => {
      const tag = document.createElement("script");
      tag.type = "text/plain";
      tag.dataset.category = "analytics";
      tag.dataset.src = "/demo/late.js";
      document.body.append(tag);
    });
    // The gate's MutationObserver has seen the tag once a task has passed; had it run the tag, its
    // script would be loading, and the network would not be idle.
    await page.evaluate(() => new Promise((resolve) => setTimeout(resolve)));
    await page.waitForLoadState("networkidle");
    expect(await demoRuns(page)).not.toContain("late");
    await page.getByRole("button", { name: "Accept all" }).click();
    await waitForRuns(page, ["late"]);
    await page.evaluate(() => {
      const tag = document.createElement("script");
      tag.type = "text/plain";
      tag.dataset.category = "analytics";
      tag.dataset.src = "/demo/late.js";
      document.body.append(tag);
    });
    await page.waitForFunction(
      () => (window as unknown as { demoRuns: string[] }).demoRuns.filter((n) => n === "late").length === 2,
    );
    await context.close();
  });

  it("withdrawal deletes the withdrawn categories' cookies and reloads; the reloaded page runs nothing withdrawn", async () => {
    const { context, page } = await visit(browser(), `${base()}/`);
    await page.getByRole("button", { name: "Accept all" }).click();
    await waitForRuns(page, ["analytics", "functionality", "targeting"]);
    expect(await cookieNames(context)).toEqual([...CATEGORY_COOKIES, "opencontact_consent"].sort());
    await page.evaluate(() => {
      (window as unknown as { beforeReload: boolean }).beforeReload = true;
    });

    const reloaded = page.waitForEvent("load");
    await page.getByRole("button", { name: "Cookie settings" }).first().click();
    await page.getByRole("switch", { name: "Analytical or performance cookies" }).click();
    await page.getByRole("switch", { name: "Targeting cookies" }).click();
    await page.getByRole("button", { name: "Save choices" }).click();
    await reloaded;
    expect(await page.evaluate(() => (window as unknown as { beforeReload?: boolean }).beforeReload)).toBeUndefined();
    await waitForRuns(page, ["functionality", "not-targeting"]);
    await page.waitForLoadState("networkidle");
    expect((await demoRuns(page)).sort()).toEqual(["functionality", "not-targeting"]);
    expect(await cookieNames(context)).toEqual(["demo_prefs", "opencontact_consent"]);
    await context.close();
  });

  it("speaks Google Consent Mode v2 to the page's dataLayer", async () => {
    const { context, page } = await visit(browser(), `${base()}/`);
    await page.getByRole("button", { name: "Reject all" }).click();
    const commands = await page.evaluate(() =>
      (window as unknown as { dataLayer: IArguments[] }).dataLayer.map((entry) => Array.from(entry)),
    );
    expect(commands.map((command) => command.slice(0, 2))).toEqual([
      ["consent", "default"],
      ["consent", "update"],
    ]);
    expect(commands[0]?.[2]).toMatchObject({ analytics_storage: "denied", wait_for_update: 500 });
    expect(commands[1]?.[2]).toMatchObject({ ad_storage: "denied", security_storage: "granted" });
    await context.close();
  });
});
