// @vitest-environment-options {"url": "http://www.shop.test/"}
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  CONSENT_COOKIE,
  clearConsentCookie,
  cookiePatternMatches,
  deleteCookies,
  readCookie,
  readCookies,
  writeConsentCookie,
} from "../../widget/storage.ts";
import { clearCookies, diagnosed, mountWidget, registerDiagnostics, resetPage } from "./helpers.ts";

/** Cookies as a page's own scripts, or an older copy of the widget, set them. */
function setCookie(cookie: string): void {
  // biome-ignore lint/suspicious/noDocumentCookie: tests set cookies as a page's own scripts do
  document.cookie = cookie;
}

/**
 * Consent cookies left on the host and on its parent domain, as a site that
 * added data-cookie-domain leaves them. (happy-dom, unlike browsers, merges a
 * host-only cookie with a `Domain=<host>` one, so that pair is tested in Chromium.)
 */
function leaveConsentCookies(): void {
  setCookie(`${CONSENT_COOKIE}=host-only; Path=/`);
  setCookie(`${CONSENT_COOKIE}=on-parent; Path=/; Domain=shop.test`);
}

describe("cookies", () => {
  afterEach(() => {
    clearConsentCookie("shop.test");
    clearCookies();
    vi.restoreAllMocks();
  });

  it("writes and reads the consent cookie", () => {
    writeConsentCookie("1.abc", { maxAgeDays: 182, domain: undefined });
    expect(readCookie(CONSENT_COOKIE)).toBe("1.abc");
  });

  it("matches exact names and trailing-* prefixes", () => {
    expect(cookiePatternMatches("_ga", "_ga")).toBe(true);
    expect(cookiePatternMatches("_ga", "_ga_X1")).toBe(false);
    expect(cookiePatternMatches("_ga_*", "_ga_X1")).toBe(true);
    expect(cookiePatternMatches("_gat*", "_gat_UA-1")).toBe(true);
    expect(cookiePatternMatches("_gat*", "_ga")).toBe(false);
  });

  it("deletes the cookies of a withdrawn category and nothing else", () => {
    for (const name of ["_ga", "_ga_ABC", "_gid", "_gat_UA1", "_fbp", "session"]) {
      // biome-ignore lint/suspicious/noDocumentCookie: tests set cookies as a page's own scripts do
      document.cookie = `${name}=1; Path=/`;
    }
    writeConsentCookie("1.abc", { maxAgeDays: 182, domain: undefined });
    expect(deleteCookies(["_ga", "_ga_*", "_gid", "_gat*", "opencontact_*"], undefined).sort()).toEqual([
      "_ga",
      "_ga_ABC",
      "_gat_UA1",
      "_gid",
    ]);
    expect(readCookie("_ga")).toBeUndefined();
    expect(readCookie("_fbp")).toBe("1");
    expect(readCookie("session")).toBe("1");
    expect(readCookie(CONSENT_COOKIE)).toBe("1.abc");
  });

  it("reads every value of a name the page sees, one per domain it was set on", () => {
    leaveConsentCookies();
    expect(readCookies(CONSENT_COOKIE).sort()).toEqual(["host-only", "on-parent"]);
    expect(readCookies("absent")).toEqual([]);
  });

  it("replaces the consent cookies on the host, every parent domain and the cookie domain with one", () => {
    leaveConsentCookies();
    writeConsentCookie("1.new", { maxAgeDays: 182, domain: "shop.test" });
    expect(readCookies(CONSENT_COOKIE)).toEqual(["1.new"]);
    // Removing data-cookie-domain later: the shared cookie goes too, the host keeps the choice.
    writeConsentCookie("1.newer", { maxAgeDays: 182, domain: undefined });
    expect(readCookies(CONSENT_COOKIE)).toEqual(["1.newer"]);
  });

  it("forgets every consent cookie on reset, whatever domain it was set on", () => {
    leaveConsentCookies();
    clearConsentCookie(undefined);
    expect(readCookies(CONSENT_COOKIE)).toEqual([]);
  });

  it("keeps the choice host-only when the browser refuses the cookie domain, and says so to the caller", () => {
    expect(writeConsentCookie("1.abc", { maxAgeDays: 182, domain: "example.org" })).toBe(true);
    expect(readCookies(CONSENT_COOKIE)).toEqual(["1.abc"]);
    // A public suffix is refused too.
    expect(writeConsentCookie("1.def", { maxAgeDays: 182, domain: "test" })).toBe(true);
    expect(readCookies(CONSENT_COOKIE)).toEqual(["1.def"]);
  });

  it("says nothing about a cookie domain the browser accepts", () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    expect(writeConsentCookie("1.abc", { maxAgeDays: 182, domain: ".shop.test" })).toBe(false);
    expect(readCookies(CONSENT_COOKIE)).toEqual(["1.abc"]);
    expect(warn).not.toHaveBeenCalled();
  });
});

describe("a cookie domain the browser refuses, on a page", () => {
  afterEach(() => {
    vi.restoreAllMocks();
    resetPage();
  });

  it("keeps each choice host-only and tells the site once, through the diagnostics part", async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    registerDiagnostics();
    const { controller } = mountWidget({ cookieDomain: "example.org" });
    await controller.api.acceptAll();
    await controller.api.rejectAll();
    await diagnosed();
    expect(readCookies(CONSENT_COOKIE)).toHaveLength(1);
    expect(warn.mock.calls.map(([text]) => text)).toEqual([
      'OpenContact Consent: the browser refused data-cookie-domain="example.org" on www.shop.test, so the choice is kept for this host only: use www.shop.test or a parent domain of it.',
    ]);
  });
});
