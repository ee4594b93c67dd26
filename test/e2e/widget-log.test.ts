/**
 * The consent log from the browser's side: a choice reaches D1 with the
 * right fields (GPC included); a changed revision or an expired or corrupt
 * cookie brings the banner back. Delivery failures: widget-outbox.test.ts.
 */
import type { Page } from "playwright-core";
import { describe, expect, inject, it } from "vitest";
import { REVISION, WIDGET_VERSION } from "../../shared/generated/build-info.ts";
import { encodeRecord } from "../../widget/consent-state.ts";
import { CHROMIUM, useBrowser } from "./browser.ts";
import { visit, waitForEmptyOutbox } from "./widget-helpers.ts";
import { queryD1 } from "./worker-server.ts";

interface Row {
  event_id: string;
  consent_id: string;
  method: string;
  analytics: number;
  functionality: number;
  targeting: number;
  revision: string;
  texts_hash: string | null;
  page_url: string;
  language: string;
  gpc: number;
  widget_version: string;
}

const DAY = 86_400_000;

function rows(persistDir: string, consentId: string): Row[] {
  return queryD1<Row>(persistDir, `SELECT * FROM consent_events WHERE consent_id = '${consentId}' ORDER BY id`);
}

async function consentId(page: Page): Promise<string> {
  const id = await page.evaluate(() => window.OpenContactConsent?.get()?.consentId);
  if (!id) throw new Error("no consent stored");
  return id;
}

describe.skipIf(!CHROMIUM)("widget delivery to the consent log", () => {
  const browser = useBrowser();
  const base = () => inject("baseUrl");

  it("posts each choice, and it reaches D1 with the right fields", async () => {
    const { context, page } = await visit(browser(), `${base()}/?campaign=secret`);
    await page.getByRole("button", { name: "Manage preferences" }).click();
    await page.getByRole("switch", { name: "Functionality cookies" }).click();
    await page.getByRole("button", { name: "Save choices" }).click();
    await waitForEmptyOutbox(page);
    const id = await consentId(page);
    const [row] = rows(inject("persistDir"), id);
    expect(row).toMatchObject({
      consent_id: id,
      method: "custom",
      analytics: 0,
      functionality: 1,
      targeting: 0,
      revision: REVISION,
      texts_hash: null,
      // Origin and path only: the query string never leaves the page.
      page_url: `${base()}/`,
      language: "en-GB",
      gpc: 0,
      widget_version: WIDGET_VERSION,
    });
    expect(row?.event_id).toMatch(/^[0-9a-f-]{36}$/);
    // The choice itself: one first-party cookie, SameSite=Lax, under 300 bytes, kept for 182 days.
    const [cookie] = (await context.cookies()).filter((entry) => entry.name === "opencontact_consent");
    expect(cookie).toMatchObject({ sameSite: "Lax", secure: false, httpOnly: false, path: "/" });
    expect(`${cookie?.name}=${cookie?.value}`.length).toBeLessThan(300);
    expect(((cookie?.expires ?? 0) * 1000 - Date.now()) / DAY).toBeCloseTo(182, 0);
    await context.close();
  });

  it("records the Global Privacy Control signal, says it was honoured and never preselects targeting", async () => {
    const { context, page } = await visit(browser(), "");
    await page.addInitScript(() => Object.defineProperty(navigator, "globalPrivacyControl", { value: true }));
    await page.goto(`${base()}/`);
    await page.getByRole("button", { name: "Manage preferences" }).click();
    const dialog = page.getByRole("dialog", { name: "Cookie preferences" });
    expect(await dialog.textContent()).toContain("Global Privacy Control");
    expect(await page.getByRole("switch", { name: "Targeting cookies" }).getAttribute("aria-checked")).toBe("false");
    await dialog.getByRole("button", { name: "Accept all" }).click();
    await waitForEmptyOutbox(page);
    const [row] = rows(inject("persistDir"), await consentId(page));
    expect(row).toMatchObject({ method: "accept_all", gpc: 1 });
    await context.close();
  });

  it("asks again when the privacy revision changed, reusing the consent id", async () => {
    const oldRecord = {
      consentId: "5b0c6f8e-2f4a-4c1d-9a7e-3d2c1b0a9f8e",
      revision: "0000000000000000",
      time: Date.now() - DAY,
      choices: { analytics: true, functionality: true, targeting: true },
    };
    const { context, page } = await visit(browser(), "");
    await context.addCookies([{ name: "opencontact_consent", value: encodeRecord(oldRecord), url: base() }]);
    await page.goto(`${base()}/`);
    await page.getByRole("region", { name: "Cookie choices" }).waitFor();
    expect(await page.evaluate(() => window.OpenContactConsent?.get())).toBeNull();
    expect(await page.evaluate(() => (window as unknown as { demoRuns: string[] }).demoRuns)).toEqual([]);
    await page.getByRole("button", { name: "Reject all" }).click();
    await waitForEmptyOutbox(page);
    const [row] = rows(inject("persistDir"), oldRecord.consentId);
    // Turning off what the old choice granted is a withdrawal (GDPR Art. 7(3)).
    expect(row).toMatchObject({ method: "withdraw", revision: REVISION, analytics: 0 });
    await context.close();
  });

  it("asks again when the choice expired, and treats a corrupt or forged cookie as no consent", async () => {
    const expired = encodeRecord({
      consentId: "6c1d7a9f-3a5b-4d2e-8b8f-4e3d2c1b0a9f",
      revision: REVISION,
      time: Date.now() - 183 * DAY,
      choices: { analytics: true, functionality: true, targeting: true },
    });
    const valid = encodeRecord({
      consentId: "7d2e8b0a-4b6c-4e3f-9c9a-5f4e3d2c1b0a",
      revision: REVISION,
      time: Date.now(),
      choices: { analytics: false, functionality: false, targeting: false },
    });
    const forged = valid.replace(/\.0\.([0-9a-z]+)$/, ".7.$1");
    for (const value of [expired, "1.garbage", forged]) {
      const { context, page } = await visit(browser(), "");
      await context.addCookies([{ name: "opencontact_consent", value, url: base() }]);
      await page.goto(`${base()}/`);
      await page.getByRole("region", { name: "Cookie choices" }).waitFor();
      expect(await page.evaluate(() => window.OpenContactConsent?.get())).toBeNull();
      await page.waitForLoadState("networkidle");
      expect(await page.evaluate(() => (window as unknown as { demoRuns: string[] }).demoRuns)).toEqual([]);
      await context.close();
    }
  });
});
