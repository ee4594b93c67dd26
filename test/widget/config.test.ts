import { afterEach, describe, expect, it } from "vitest";
import { DEFAULT_COOKIE_PATTERNS, readConfig } from "../../widget/config.ts";
import { resetPage } from "./helpers.ts";

function script(attributes: Record<string, string>): HTMLScriptElement {
  const element = document.createElement("script");
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
  document.head.append(element);
  return element;
}

describe("configuration from the script tag", () => {
  afterEach(() => {
    resetPage();
    document.documentElement.removeAttribute("lang");
  });

  it("takes the API origin from the script's own URL, with defaults for the rest", () => {
    const config = readConfig(script({ src: "https://consent.example.net/consent.js" }));
    expect(config).toMatchObject({
      apiOrigin: "https://consent.example.net",
      privacyUrl: "https://consent.example.net/privacy",
      language: "en-GB",
      cookieDomain: undefined,
      floatingButton: true,
      expiryDays: 182,
      reloadOnWithdraw: true,
      cookiePatterns: DEFAULT_COOKIE_PATTERNS,
    });
    expect(DEFAULT_COOKIE_PATTERNS.analytics).toEqual(["_ga", "_ga_*", "_gid", "_gat*"]);
    expect(DEFAULT_COOKIE_PATTERNS.targeting).toEqual(["_gcl_*", "_gac_*", "_fbp", "_fbc"]);
  });

  it("reads every data-* override", () => {
    const config = readConfig(
      script({
        src: "https://cdn.example.net/v/0.1.0/consent.js",
        "data-api-origin": "https://log.example.com/ignored/path",
        "data-privacy-url": "https://www.example.com/privacy",
        "data-language": "en-US",
        "data-cookie-domain": "example.com",
        "data-floating-button": "false",
        "data-expiry-days": "90",
        "data-reload-on-withdraw": "off",
      }),
    );
    expect(config).toMatchObject({
      apiOrigin: "https://log.example.com",
      privacyUrl: "https://www.example.com/privacy",
      language: "en-US",
      cookieDomain: "example.com",
      floatingButton: false,
      expiryDays: 90,
      reloadOnWithdraw: false,
    });
  });

  it("ignores invalid values", () => {
    const config = readConfig(script({ "data-language": "<script>", "data-expiry-days": "9999" }));
    expect(config.language).toBe("en-GB");
    expect(config.expiryDays).toBe(182);
    expect(config.apiOrigin).toBe(location.origin);
  });

  it("reads texts and cookie patterns from the JSON block, and the texts' language from <html lang>", () => {
    document.documentElement.lang = "fr";
    const block = document.createElement("script");
    block.type = "application/json";
    block.id = "opencontact-consent-config";
    block.textContent = JSON.stringify({
      messages: { acceptAll: "Tout accepter" },
      cookies: { functionality: ["prefs_*"] },
    });
    document.head.append(block);
    const config = readConfig(null);
    expect(config.texts.messages.acceptAll).toBe("Tout accepter");
    expect(config.texts.overridden).toBe(true);
    expect(config.language).toBe("fr");
    expect(config.cookiePatterns.functionality).toEqual(["prefs_*"]);
    expect(config.cookiePatterns.analytics).toEqual(DEFAULT_COOKIE_PATTERNS.analytics);
  });

  it("keeps English (UK) as the language while the default English texts are shown", () => {
    document.documentElement.lang = "de";
    expect(readConfig(null).language).toBe("en-GB");
  });
});
