import { afterEach, beforeEach, describe, expect, it, type MockInstance, vi } from "vitest";
import { consentModeDefault, consentModeUpdate } from "../../widget/consent-mode.ts";
import { diagnosed, registerDiagnostics } from "./helpers.ts";

type Page = { dataLayer?: unknown[]; gtag?: (...args: unknown[]) => void };
const page = window as unknown as Page;

/** What Google's snippet pushes: `gtag()` stores its arguments object itself. */
function gtagArguments(..._args: unknown[]): IArguments {
  // biome-ignore lint/complexity/noArguments: the shape gtag.js reads
  return arguments;
}

const ORDER_WARNING =
  "OpenContact Consent: Google tag commands came before the consent default: load consent.js without defer, before Google's tag";

describe("Google Consent Mode v2", () => {
  let warn: MockInstance<typeof console.warn>;
  beforeEach(() => {
    warn = vi.spyOn(console, "warn").mockImplementation(() => {});
  });
  afterEach(() => {
    warn.mockRestore();
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

describe("Consent Mode default order", () => {
  let warn: MockInstance<typeof console.warn>;
  beforeEach(() => {
    warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    registerDiagnostics();
  });
  afterEach(() => {
    warn.mockRestore();
    delete page.dataLayer;
  });

  it("is quiet when the default comes first, after Google's own `js` command or a site's data", async () => {
    page.dataLayer = [gtagArguments("js", new Date()), { page_type: "product" }, gtagArguments("set", { a: 1 })];
    consentModeDefault();
    await diagnosed();
    expect(warn).not.toHaveBeenCalled();
    expect(Array.from(page.dataLayer[3] as IArguments).slice(0, 2)).toEqual(["consent", "default"]);
  });

  it.each([
    ["gtag('config') from Google's snippet", gtagArguments("config", "G-TEST123")],
    ["gtag('event')", gtagArguments("event", "page_view")],
    ["a config command pushed as an array", ["config", "AW-123"]],
    ["Tag Manager's gtm.js start event", { "gtm.start": 1, event: "gtm.js" }],
    ["a site's own Tag Manager event", { event: "purchase" }],
  ])("warns once, and still pushes the default, after %s", async (_name, early) => {
    page.dataLayer = [gtagArguments("js", new Date()), early, gtagArguments("event", "late")];
    consentModeDefault();
    await diagnosed();
    expect(warn.mock.calls).toEqual([[ORDER_WARNING]]);
    expect(Array.from(page.dataLayer.at(-1) as IArguments).slice(0, 2)).toEqual(["consent", "default"]);
  });

  it("says so when the page makes its dataLayer only after a consent.js that ran during parsing", async () => {
    const readyState = vi.spyOn(document, "readyState", "get").mockReturnValue("loading");
    try {
      consentModeDefault();
      page.dataLayer = [];
      document.dispatchEvent(new Event("DOMContentLoaded"));
      await diagnosed();
      expect(warn.mock.calls).toEqual([["OpenContact Consent: no dataLayer before consent.js: create it first"]]);
      expect(page.dataLayer).toEqual([]);
    } finally {
      readyState.mockRestore();
    }
  });

  it("is quiet on a page that never makes a dataLayer", async () => {
    const readyState = vi.spyOn(document, "readyState", "get").mockReturnValue("loading");
    try {
      consentModeDefault();
      document.dispatchEvent(new Event("DOMContentLoaded"));
      await diagnosed();
      expect(warn).not.toHaveBeenCalled();
    } finally {
      readyState.mockRestore();
    }
  });
});
