import { describe, expect, it } from "vitest";
import { CORE_LANGUAGE, chooseLanguage } from "../../widget/lang/choose.ts";

const available = ["fr", "zh-Hant", "pt-BR"];

describe("chooseLanguage", () => {
  it("takes data-language first, then <html lang>, then the browser's languages", () => {
    expect(chooseLanguage({ attribute: "fr", htmlLang: "pt-BR", browserLanguages: ["zh-Hant"], available })).toEqual({
      tag: "fr",
    });
    expect(chooseLanguage({ htmlLang: "pt-BR", browserLanguages: ["fr"], available })).toEqual({ tag: "pt-BR" });
    expect(chooseLanguage({ browserLanguages: ["zh-Hant", "fr"], available })).toEqual({ tag: "zh-Hant" });
  });

  it("tries the browser's languages in the visitor's order until one has a pack", () => {
    expect(chooseLanguage({ browserLanguages: ["ja", "de-DE", "fr-FR", "pt-BR"], available })).toEqual({ tag: "fr" });
  });

  it("passes over a source without a pack to the next one, warning when the site's own setting had none", () => {
    expect(chooseLanguage({ attribute: "de", htmlLang: "ja", browserLanguages: ["fr"], available })).toEqual({
      tag: "fr",
      missing: "de",
    });
    expect(chooseLanguage({ htmlLang: "de", browserLanguages: ["fr"], available })).toEqual({
      tag: "fr",
      missing: "de",
    });
    expect(chooseLanguage({ attribute: "de", htmlLang: "fr", available }).missing).toBe("de");
    // The visitor's own list is theirs to order: their second language is no misconfiguration.
    expect(chooseLanguage({ browserLanguages: ["ja", "fr"], available })).toEqual({ tag: "fr" });
  });

  it("falls back from a region or script to the language (fr-CA -> fr, zh-Hant-TW -> zh-Hant)", () => {
    expect(chooseLanguage({ attribute: "fr-CA", available }).tag).toBe("fr");
    expect(chooseLanguage({ htmlLang: "zh-Hant-TW", available }).tag).toBe("zh-Hant");
    // A private-use part goes with the singleton before it (RFC 4647 Lookup).
    expect(chooseLanguage({ htmlLang: "fr-x-quebec", available }).tag).toBe("fr");
    // Never the other way: a pack for a region does not serve the whole language.
    expect(chooseLanguage({ htmlLang: "pt", available }).tag).toBe(CORE_LANGUAGE);
  });

  it("ignores case and returns the tag as the pack spells it", () => {
    expect(chooseLanguage({ attribute: "FR-ca", available }).tag).toBe("fr");
    expect(chooseLanguage({ htmlLang: "ZH-HANT", available }).tag).toBe("zh-Hant");
    expect(chooseLanguage({ browserLanguages: ["pt-br"], available }).tag).toBe("pt-BR");
  });

  it("shows English, any region, in the core's en-GB without a warning", () => {
    for (const tag of ["en", "en-GB", "en-gb", "EN-US", "en-Latn-IN"]) {
      expect(chooseLanguage({ htmlLang: tag, browserLanguages: ["fr"], available })).toEqual({ tag: CORE_LANGUAGE });
    }
    expect(chooseLanguage({ browserLanguages: ["ja", "en-US"], available })).toEqual({ tag: CORE_LANGUAGE });
  });

  it("prefers a pack for an English variant when there is one, never as the fallback", () => {
    expect(chooseLanguage({ htmlLang: "en-US", available: ["en-US"] }).tag).toBe("en-US");
    expect(chooseLanguage({ htmlLang: "de", available: ["en", "en-US"] }).tag).toBe(CORE_LANGUAGE);
  });

  it("falls back to en-GB with a warning naming the first missing pack", () => {
    expect(chooseLanguage({ attribute: "de", browserLanguages: ["ja"], available })).toEqual({
      tag: CORE_LANGUAGE,
      missing: "de",
    });
    expect(chooseLanguage({ attribute: "de", browserLanguages: ["en-US"], available })).toEqual({
      tag: CORE_LANGUAGE,
      missing: "de",
    });
    expect(chooseLanguage({ htmlLang: "de-AT", available: [] }).missing).toBe("de-AT");
    expect(chooseLanguage({ browserLanguages: ["ja", "ko"], available }).missing).toBe("ja");
  });

  it("shows en-GB quietly when nothing names a language", () => {
    expect(chooseLanguage({ attribute: "", htmlLang: " ", browserLanguages: [], available })).toEqual({
      tag: CORE_LANGUAGE,
    });
    expect(chooseLanguage({ available })).toEqual({ tag: CORE_LANGUAGE });
  });

  it("skips empty sources and trims the others", () => {
    expect(chooseLanguage({ attribute: "", htmlLang: " fr ", available }).tag).toBe("fr");
  });
});
