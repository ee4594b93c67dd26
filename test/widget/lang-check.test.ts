import { describe, expect, it } from "vitest";
import { MESSAGE_KEYS } from "../../shared/messages.ts";
import { PACK_TAG, packProblems } from "../../widget/lang/check.ts";
import french from "../../widget/lang/packs/fr.json";

/** A complete pack to break one key at a time. */
const pack = () => structuredClone(french) as Record<string, unknown> & typeof french;

describe("language pack rules", () => {
  it("accept the French pack, and any complete pack whose language is its file name", () => {
    expect(packProblems(french, "fr")).toEqual([]);
    expect(packProblems({ ...pack(), language: "ar", dir: "rtl" }, "ar")).toEqual([]);
  });

  it("name a missing message, and a missing category text", () => {
    const broken = pack();
    delete (broken.messages as Partial<typeof broken.messages>).acceptAll;
    delete (broken.categories.targeting as { description?: string }).description;
    expect(packProblems(broken, "fr")).toEqual([
      "messages.acceptAll: missing",
      "categories.targeting.description: missing",
    ]);
  });

  it("name an extra key at any depth", () => {
    const broken = pack();
    Object.assign(broken, { version: 2 });
    Object.assign(broken.messages, { acceptAl: "Tout accepter" });
    Object.assign(broken.categories, { marketing: { name: "Publicité", description: "…" } });
    expect(packProblems(broken, "fr")).toEqual([
      "messages.acceptAl: unknown key",
      "categories.marketing: unknown key",
      "version: unknown key",
    ]);
  });

  it("refuse empty, blank and non-text values", () => {
    const broken = pack();
    Object.assign(broken.messages, { save: "", close: "  ", reopen: 3 });
    Object.assign(broken.categories.analytics, { name: null });
    expect(packProblems(broken, "fr")).toEqual([
      "messages.save: not a non-empty text",
      "messages.close: not a non-empty text",
      "messages.reopen: not a non-empty text",
      "categories.analytics.name: not a non-empty text",
    ]);
  });

  it("refuse a direction other than ltr or rtl", () => {
    for (const dir of ["RTL", "auto", undefined, 1]) {
      expect(packProblems({ ...pack(), dir }, "fr")).toEqual(['dir: use "ltr" or "rtl"']);
    }
  });

  it("refuse a language that is not the file name's, or not a tag", () => {
    expect(packProblems({ ...pack(), language: "fr-CA" }, "fr")).toEqual([
      'language: "fr-CA" does not match the file name "fr"',
    ]);
    expect(packProblems({ ...pack(), language: "French" }, "French")).toEqual(["language: use a tag like fr or fr-CA"]);
  });

  it("refuse what is not an object, at the top or inside", () => {
    expect(packProblems([], "fr")).toEqual(["pack: not a JSON object"]);
    expect(packProblems("fr", "fr")).toEqual(["pack: not a JSON object"]);
    expect(packProblems({ ...pack(), messages: [] }, "fr")).toEqual(["messages: not a JSON object"]);
  });

  it("know every message, the core's and the parts'", () => {
    const broken = pack();
    broken.messages = {} as typeof broken.messages;
    expect(packProblems(broken, "fr")).toEqual(MESSAGE_KEYS.map((key) => `messages.${key}: missing`));
    expect(MESSAGE_KEYS).toContain("embedAllow");
  });

  it("take tags in canonical case only", () => {
    for (const tag of ["fr", "fr-CA", "zh-Hant", "zh-Hant-TW", "es-419", "ast"]) expect(tag).toMatch(PACK_TAG);
    for (const tag of ["FR", "fr-ca", "fr_CA", "zh-hant", "french", "", "fr-"]) expect(tag).not.toMatch(PACK_TAG);
  });
});
