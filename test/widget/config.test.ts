import { afterEach, beforeEach, describe, expect, it, type MockInstance, vi } from "vitest";
import declaration from "../../content/cookies.json";
import { DEFAULT_COOKIE_PATTERNS, readConfig } from "../../widget/config.ts";
import { diagnosed, registerDiagnostics, resetPage } from "./helpers.ts";

let warn: MockInstance<typeof console.warn>;

/** The console warnings so far, one string each, once the diagnostics part has worded every problem noticed. */
async function warnings(): Promise<string[]> {
  await diagnosed();
  return warn.mock.calls.map((call) => String(call[0]));
}

/** The site's JSON block, in <head> unless told otherwise. */
function block(json: unknown, parent: HTMLElement = document.head): HTMLScriptElement {
  const element = document.createElement("script");
  element.type = "application/json";
  element.id = "opencontact-consent-config";
  element.textContent = typeof json === "string" ? json : JSON.stringify(json);
  parent.append(element);
  return element;
}

function script(attributes: Record<string, string>): HTMLScriptElement {
  const element = document.createElement("script");
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
  document.head.append(element);
  return element;
}

beforeEach(() => {
  warn = vi.spyOn(console, "warn").mockImplementation(() => {});
  registerDiagnostics();
});
afterEach(() => {
  warn.mockRestore();
  resetPage();
  document.documentElement.removeAttribute("lang");
});

describe("configuration from the script tag", () => {
  it("takes the API origin from the script's own URL, with defaults for the rest", async () => {
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
      theme: "auto",
      nonce: undefined,
    });
    expect(await warnings()).toEqual([]);
    // The defaults are the declaration's first-party cookies per optional category (content/cookies.json),
    // which keeps every name the widget deleted before it existed.
    const declared = (category: "analytics" | "functionality" | "targeting") =>
      declaration.categories[category].services.flatMap((service) =>
        service.items.filter((item) => item.kind === "cookie" && item.party === "first").map((item) => item.name),
      );
    expect(DEFAULT_COOKIE_PATTERNS).toEqual({
      analytics: declared("analytics"),
      functionality: declared("functionality"),
      targeting: declared("targeting"),
    });
    expect(DEFAULT_COOKIE_PATTERNS.analytics).toEqual(["_ga", "_ga_*", "_gid", "_gat*"]);
    expect(DEFAULT_COOKIE_PATTERNS.functionality).toEqual(["demo_prefs"]);
    expect(DEFAULT_COOKIE_PATTERNS.targeting).toEqual(["_gcl_*", "_gac_*", "_fbp", "_fbc"]);
  });

  it("reads every data-* override", async () => {
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
        "data-theme": "dark",
      }),
    );
    expect(config).toMatchObject({
      apiOrigin: "https://log.example.com",
      privacyUrl: "https://www.example.com/privacy",
      // English in any form is the core's en-GB, the statement's own words.
      language: "en-GB",
      cookieDomain: "example.com",
      floatingButton: false,
      expiryDays: 90,
      reloadOnWithdraw: false,
      theme: "dark",
    });
    expect(await warnings()).toEqual([]);
  });

  it("ignores each invalid value with one warning that says what to use instead", async () => {
    const config = readConfig(
      script({
        "data-language": "<script>",
        "data-expiry-days": "9999",
        "data-theme": "blue",
        "data-privacy-url": "javascript:alert(1)",
        "data-api-origin": "ftp://log.example.com",
      }),
    );
    expect(config).toMatchObject({
      language: "en-GB",
      expiryDays: 182,
      theme: "auto",
      apiOrigin: location.origin,
      privacyUrl: `${location.origin}/privacy`,
    });
    expect((await warnings()).sort()).toEqual([
      'OpenContact Consent: data-api-origin="ftp://log.example.com" ignored: use an http(s) URL',
      'OpenContact Consent: data-expiry-days="9999" ignored: use 1 to 395',
      'OpenContact Consent: data-language="<script>" ignored: use a tag like en-GB',
      'OpenContact Consent: data-privacy-url="javascript:alert(1)" ignored: use an http(s) URL',
      'OpenContact Consent: data-theme="blue" ignored: use light, dark or auto',
    ]);
  });

  it("takes an expiry of 1 to 395 days, nothing outside", async () => {
    for (const [days, expected] of [
      ["1", 1],
      ["395", 395],
      ["0", 182],
      ["0.5", 182],
      ["396", 182],
      ["six months", 182],
    ] as const) {
      expect(readConfig(script({ "data-expiry-days": days })).expiryDays).toBe(expected);
    }
    expect(await warnings()).toHaveLength(4);
  });

  it("takes a relative privacy URL, and only well-formed language tags the log accepts", async () => {
    block({ messages: { acceptAll: "Tout accepter" } });
    const config = readConfig(script({ "data-privacy-url": "/legal/privacy", "data-language": "fr-CA" }));
    expect(config.privacyUrl).toBe("/legal/privacy");
    expect(config.language).toBe("fr-CA");
    // The log refuses tags over 35 characters (shared/consent-schema.ts): such a choice would be lost.
    expect(readConfig(script({ "data-language": `en-${"abcdefgh-".repeat(4)}x` })).language).toBe("en-GB");
    expect(await warnings()).toHaveLength(1);
  });

  it("reads texts and cookie patterns from the JSON block, and the texts' language from <html lang>", async () => {
    document.documentElement.lang = "fr";
    block({ messages: { acceptAll: "Tout accepter" }, cookies: { functionality: ["prefs_*"] } });
    const config = readConfig(null);
    expect(config.texts.messages.acceptAll).toBe("Tout accepter");
    expect(config.texts.overridden).toBe(true);
    expect(config.language).toBe("fr");
    expect(config.cookiePatterns.functionality).toEqual(["prefs_*"]);
    expect(config.cookiePatterns.analytics).toEqual(DEFAULT_COOKIE_PATTERNS.analytics);
    expect(await warnings()).toEqual([]);
  });

  it("warns about an <html lang> that is no language tag when the texts are translated", async () => {
    document.documentElement.lang = "fr_FR";
    block({ messages: { acceptAll: "Tout accepter" } });
    expect(readConfig(null).language).toBe("en-GB");
    expect(await warnings()).toEqual(['OpenContact Consent: <html lang>="fr_FR" ignored: use a tag like en-GB']);
  });

  it("keeps English (UK) while the default English texts are shown, naming the pack the page's language lacks", async () => {
    document.documentElement.lang = "de";
    expect(readConfig(null)).toMatchObject({ language: "en-GB", fromPack: false, dir: "ltr" });
    expect(await warnings()).toEqual([
      'OpenContact Consent: no "de" language pack: showing en-GB; add widget/lang/packs/de.json or data-language-pack',
    ]);
  });
});

describe("the language", () => {
  const browserLanguages = (languages: string[]) => vi.spyOn(navigator, "languages", "get").mockReturnValue(languages);
  beforeEach(() => vi.stubGlobal("__OCC_LANGUAGES__", ["fr"]));
  afterEach(() => {
    vi.unstubAllGlobals();
    vi.restoreAllMocks();
    warn = vi.spyOn(console, "warn").mockImplementation(() => {});
  });

  it("is a built pack matched from data-language, <html lang> or the browser, fr-CA getting fr", async () => {
    expect(readConfig(script({ "data-language": "fr" }))).toMatchObject({ language: "fr", fromPack: true });
    document.documentElement.lang = "fr-CA";
    expect(readConfig(null)).toMatchObject({ language: "fr", fromPack: true, packUrl: undefined });
    document.documentElement.lang = "";
    browserLanguages(["de-DE", "fr-FR"]);
    expect(readConfig(null).language).toBe("fr");
    // The visitor's own order: their first language has no pack, which is no mistake of the site's.
    expect(await warnings()).toEqual([]);
  });

  it("goes by the page only when the JSON block rewords texts: a German block never sits on the French pack", async () => {
    browserLanguages(["fr-FR"]);
    document.documentElement.lang = "de";
    block({ messages: { acceptAll: "Alle akzeptieren" } });
    expect(readConfig(null)).toMatchObject({ language: "de", fromPack: false });
    // The site supplied the texts itself: no pack is missing.
    expect(await warnings()).toEqual([]);
  });

  it("reads the site's packs from data-language-pack by file name, fetching none, and warns about a name that is no tag", async () => {
    document.documentElement.lang = "ar";
    const config = readConfig(
      script({ "data-language-pack": " /packs/2026-11/ar.json  https://cdn.example.net/german.json /p/fr.json?v=2 " }),
    );
    expect(config).toMatchObject({
      language: "ar",
      fromPack: true,
      packUrl: "/packs/2026-11/ar.json",
      fallbackLanguage: "en-GB",
    });
    expect(await warnings()).toEqual([
      'OpenContact Consent: data-language-pack="https://cdn.example.net/german.json" ignored: name it <tag>.json',
    ]);
    // A site pack replaces the built one of its tag; should it fail, the built one is next.
    document.documentElement.lang = "fr";
    expect(readConfig(script({ "data-language-pack": "/p/fr.json?v=2" }))).toMatchObject({
      language: "fr",
      packUrl: "/p/fr.json?v=2",
      fallbackLanguage: "fr",
    });
  });
});

describe("the site's JSON block", () => {
  it("is read only from <head>: a block in the body (visitors' content) is ignored, with a warning", async () => {
    const forged = document.createElement("article");
    document.body.append(forged);
    block({ messages: { rejectAll: "Accept all", acceptAll: "Reject all" } }, forged);
    block({ messages: { acceptAll: "Tout accepter" } });
    const config = readConfig(null);
    expect(config.texts.messages.acceptAll).toBe("Tout accepter");
    expect(config.texts.messages.rejectAll).toBe("Reject all");
    expect(await warnings()).toEqual([
      "OpenContact Consent: #opencontact-consent-config ignored: put it in <head> or right before consent.js",
    ]);
  });

  it("may also stand right before the widget's own tag, wherever that is", async () => {
    const forged = document.createElement("article");
    document.body.append(forged);
    block({ messages: { acceptAll: "Forged" } }, forged);
    block({ messages: { acceptAll: "Tout accepter" } }, document.body);
    const own = document.createElement("script");
    own.src = "/consent.js";
    document.body.append(own);
    expect(readConfig(own).texts.messages.acceptAll).toBe("Tout accepter");
    expect(await warnings()).toHaveLength(1);
  });

  it("is only a JSON script: another element with the id, even in <head>, is ignored", async () => {
    const template = document.createElement("template");
    template.id = "opencontact-consent-config";
    template.innerHTML = '{"messages":{"acceptAll":"Forged"}}';
    document.head.append(template);
    expect(readConfig(null).texts.overridden).toBe(false);
    expect(await warnings()).toHaveLength(1);
  });

  it("while the page is still loading, looks for misplaced blocks once the document is parsed", async () => {
    const readyState = vi.spyOn(document, "readyState", "get").mockReturnValue("loading");
    try {
      readConfig(null);
      // A tag without defer runs before the body is parsed: only then does a misplaced block exist.
      block({ messages: { acceptAll: "Too late" } }, document.body);
      expect(await warnings()).toEqual([]);
      document.dispatchEvent(new Event("DOMContentLoaded"));
      expect(await warnings()).toEqual([
        "OpenContact Consent: #opencontact-consent-config ignored: put it in <head> or right before consent.js",
      ]);
    } finally {
      readyState.mockRestore();
    }
  });

  it("with a JSON syntax error is ignored as a whole, and the warning names the position", async () => {
    block('{\n  "messages": { "acceptAll": "Tout accepter", }\n}');
    expect(readConfig(null).texts.overridden).toBe(false);
    expect(await warnings()).toHaveLength(1);
    expect((await warnings())[0]).toMatch(
      /^OpenContact Consent: #opencontact-consent-config ignored: .*line 2 column 47/,
    );
  });

  it("that is not a JSON object is ignored, with a warning; an empty one is no block", async () => {
    block("[]");
    readConfig(null);
    expect(await warnings()).toEqual(["OpenContact Consent: #opencontact-consent-config ignored: not a JSON object"]);
    resetPage();
    block("  ");
    readConfig(null);
    expect(await warnings()).toHaveLength(1);
  });

  it("keeps every valid setting and warns once for each unknown key or wrong value", async () => {
    block({
      message: { acceptAll: "Typo in the section name" },
      messages: { acceptAll: "Tout accepter", acceptAl: "Typo", rejectAll: 42, save: " " },
      categories: {
        targeting: { name: "Publicité ciblée", descripton: "Typo" },
        marketing: { name: "Not ours" },
        analytics: "Mesure",
      },
      cookies: { analytics: ["_pk_*"], functionality: "prefs", advertising: ["_fbp"], targeting: ["_fbp", 1] },
    });
    const config = readConfig(null);
    expect(config.texts.messages.acceptAll).toBe("Tout accepter");
    expect(config.texts.messages.rejectAll).toBe("Reject all");
    expect(config.texts.categories.find((category) => category.id === "targeting")?.name).toBe("Publicité ciblée");
    expect(config.cookiePatterns).toEqual({ ...DEFAULT_COOKIE_PATTERNS, analytics: ["_pk_*"] });
    const id = "OpenContact Consent: #opencontact-consent-config";
    expect(await warnings()).toEqual([
      `${id}.message ignored: unknown key`,
      `${id}.messages.acceptAl ignored: unknown key`,
      `${id}.messages.rejectAll ignored: not a text`,
      `${id}.messages.save ignored: not a text`,
      `${id}.categories.targeting.descripton ignored: unknown key`,
      `${id}.categories.marketing ignored: unknown key`,
      `${id}.categories.analytics ignored: not a JSON object`,
      `${id}.cookies.functionality ignored: not a list of names`,
      `${id}.cookies.advertising ignored: unknown key`,
      `${id}.cookies.targeting ignored: not a list of names`,
    ]);
  });

  it("maps the site's own category names, in lower case, onto ours; a bad alias is ignored with a warning", async () => {
    block({
      categoryAliases: {
        Marketing: "targeting",
        performance: "analytics",
        "strictly-necessary": "necessary",
        social: "advertising",
        analytics: "necessary",
      },
    });
    const { categoryAliases } = readConfig(null);
    expect({ ...categoryAliases }).toEqual({
      marketing: "targeting",
      performance: "analytics",
      "strictly-necessary": "necessary",
    });
    // Only the site's names: nothing inherited from Object.prototype.
    expect(categoryAliases.constructor).toBeUndefined();
    const why = "map a site's own name to analytics, functionality, targeting, necessary";
    expect(await warnings()).toEqual([
      `OpenContact Consent: #opencontact-consent-config.categoryAliases.social ignored: ${why}`,
      // Our own names keep their meaning: "analytics" can never be made to run without consent.
      `OpenContact Consent: #opencontact-consent-config.categoryAliases.analytics ignored: ${why}`,
    ]);
  });
});
