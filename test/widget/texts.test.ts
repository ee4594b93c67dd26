import { describe, expect, it } from "vitest";
import { DEFAULT_MESSAGES } from "../../shared/messages.ts";
import { bannerTexts, sha256Hex } from "../../shared/revision.ts";
import type { LanguagePack } from "../../widget/lang/check.ts";
import french from "../../widget/lang/packs/fr.json";
import { resolveTexts, textsHash } from "../../widget/texts.ts";

const fr = french as LanguagePack;

describe("texts", () => {
  it("are the messages table and the statement's categories by default", async () => {
    const texts = resolveTexts(undefined);
    expect(texts.overridden).toBe(false);
    expect(texts.messages).toEqual(DEFAULT_MESSAGES);
    // The default texts hash exactly like the banner part of the privacy revision.
    expect(await textsHash(texts)).toBe(await sha256Hex(JSON.stringify(bannerTexts(DEFAULT_MESSAGES))));
  });

  it("take the site's overrides, ignore junk, and hash what is shown", async () => {
    const texts = resolveTexts({
      messages: { acceptAll: "Tout accepter", rejectAll: "", bogus: "x" } as never,
      categories: { targeting: { name: "Publicité ciblée" } },
    });
    expect(texts.overridden).toBe(true);
    expect(texts.messages.acceptAll).toBe("Tout accepter");
    expect(texts.messages.rejectAll).toBe("Reject all");
    expect("bogus" in texts.messages).toBe(false);
    expect(texts.categories[2]?.name).toBe("Publicité ciblée");
    expect(await textsHash(texts)).toMatch(/^[0-9a-f]{64}$/);
    expect(await textsHash(texts)).not.toBe(await textsHash(resolveTexts(undefined)));
  });

  it("take a language pack as their base, the site's overrides on top, and hash the mix", async () => {
    const pack = resolveTexts({}, fr);
    expect(pack.overridden).toBe(true);
    expect(pack.messages).toEqual(fr.messages);
    expect(pack.categories.map(({ name }) => name)).toEqual([
      fr.categories.analytics.name,
      fr.categories.functionality.name,
      fr.categories.targeting.name,
    ]);
    // The same texts give the same hash, whatever the order of the keys in the pack's file.
    const shuffled = JSON.parse(
      JSON.stringify({ ...fr, messages: Object.fromEntries(Object.entries(fr.messages).reverse()) }),
    );
    expect(await textsHash(resolveTexts({}, shuffled))).toBe(await textsHash(pack));

    const mixed = resolveTexts(
      { messages: { acceptAll: "J'accepte" }, categories: { targeting: { name: "Pub" } } },
      fr,
    );
    expect(mixed.messages.acceptAll).toBe("J'accepte");
    expect(mixed.messages.rejectAll).toBe(fr.messages.rejectAll);
    expect(mixed.categories[2]).toEqual({
      id: "targeting",
      name: "Pub",
      description: fr.categories.targeting.description,
    });
    expect(await textsHash(mixed)).not.toBe(await textsHash(pack));
  });
});
