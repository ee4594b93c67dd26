import { describe, expect, it } from "vitest";
import { DEFAULT_MESSAGES } from "../../shared/messages.ts";
import { bannerTexts, sha256Hex } from "../../shared/revision.ts";
import { resolveTexts, textsHash } from "../../widget/texts.ts";

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
});
