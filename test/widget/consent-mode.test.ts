import { afterEach, describe, expect, it } from "vitest";
import { consentModeDefault, consentModeUpdate } from "../../widget/consent-mode.ts";

type Page = { dataLayer?: unknown[]; gtag?: (...args: unknown[]) => void };
const page = window as unknown as Page;

describe("Google Consent Mode v2", () => {
  afterEach(() => {
    delete page.dataLayer;
    delete page.gtag;
  });

  it("does nothing on a site without gtag or a dataLayer", () => {
    consentModeDefault();
    expect(page.dataLayer).toBeUndefined();
  });

  it("pushes default (all denied, wait_for_update) and an update per choice, as gtag arguments", () => {
    page.dataLayer = [];
    consentModeDefault();
    consentModeUpdate({ analytics: true, functionality: false, targeting: true });
    const [first, second] = page.dataLayer as IArguments[];
    // gtag.js only reads Arguments objects, not arrays.
    expect(Object.prototype.toString.call(first)).toBe("[object Arguments]");
    expect(Array.from(first as IArguments)).toEqual([
      "consent",
      "default",
      {
        analytics_storage: "denied",
        ad_storage: "denied",
        ad_user_data: "denied",
        ad_personalization: "denied",
        functionality_storage: "denied",
        personalization_storage: "denied",
        security_storage: "granted",
        wait_for_update: 500,
      },
    ]);
    expect(Array.from(second as IArguments)).toEqual([
      "consent",
      "update",
      {
        analytics_storage: "granted",
        ad_storage: "granted",
        ad_user_data: "granted",
        ad_personalization: "granted",
        functionality_storage: "denied",
        personalization_storage: "denied",
        security_storage: "granted",
      },
    ]);
  });

  it("calls the site's gtag when there is one", () => {
    const calls: unknown[][] = [];
    page.gtag = (...args) => calls.push(args);
    consentModeUpdate({ analytics: false, functionality: true, targeting: false });
    expect(calls[0]?.slice(0, 2)).toEqual(["consent", "update"]);
    expect(calls[0]?.[2]).toMatchObject({ functionality_storage: "granted", ad_storage: "denied" });
  });
});
