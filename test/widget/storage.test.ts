import { afterEach, describe, expect, it } from "vitest";
import {
  CONSENT_COOKIE,
  cookiePatternMatches,
  deleteCookies,
  readCookie,
  writeConsentCookie,
} from "../../widget/storage.ts";
import { clearCookies } from "./helpers.ts";

describe("cookies", () => {
  afterEach(clearCookies);

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
});
