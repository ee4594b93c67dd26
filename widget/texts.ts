/**
 * @module
 * The texts a visitor is shown: the English (UK) messages table and the
 * statement's category names, each overridable by the site. The log must
 * show what each visitor was told (COMPLIANCE.md item 13), so overridden
 * texts are hashed and the hash travels with every consent event. A
 * language pack (widget/lang) replaces the English texts before the site's
 * overrides apply on top; its texts are hashed like any other change.
 */
import { CATEGORIES, type Category, type CategoryId } from "../shared/categories.ts";
import {
  DEFAULT_MESSAGES,
  MESSAGE_KEYS,
  type MessageKey,
  type Messages,
  type PartMessages,
} from "../shared/messages.ts";
import { sha256Hex } from "../shared/revision.ts";
import type { LanguagePack } from "./lang/check.ts";

/** What a site may override: any message, any category's name or description. */
export interface TextOverrides {
  messages?: Partial<Messages & PartMessages>;
  categories?: Partial<Record<CategoryId, Partial<Pick<Category, "name" | "description">>>>;
}

export interface Texts {
  /** A part's message (PART_MESSAGE_KEYS) only when the site or the pack words it; else the part's default. */
  messages: Messages & Partial<PartMessages>;
  categories: Category[];
  /** True when the site changed anything, so the post carries `textsHash`. */
  overridden: boolean;
}

/** The texts shown: the site's `overrides` on top of `pack` (if any), key by key, on top of en-GB. */
export function resolveTexts(overrides: TextOverrides | undefined, pack?: LanguagePack): Texts {
  // A pack's texts are never the statement's own, even where a word is the same in both languages.
  let overridden = !!pack;
  // config.ts already left out any override that is not a non-empty string.
  const pick = (override: string | undefined, fallback: string): string => {
    const text = override || fallback;
    if (text !== fallback) overridden = true;
    return text;
  };
  const messages = {} as Texts["messages"];
  for (const key of MESSAGE_KEYS) {
    // A part's message has no default here (it ships with its part): undefined unless worded, which
    // JSON.stringify leaves out, so the default texts hash as before.
    messages[key] = pick(overrides?.messages?.[key] || pack?.messages[key], DEFAULT_MESSAGES[key as MessageKey]);
  }
  // Same key order as shared/categories.ts, so the default texts hash like the revision's banner part.
  const categories = CATEGORIES.map(({ id, name, description }) => ({
    id,
    name: pick(overrides?.categories?.[id]?.name || pack?.categories[id].name, name),
    description: pick(overrides?.categories?.[id]?.description || pack?.categories[id].description, description),
  }));
  return { messages, categories, overridden };
}

/**
 * SHA-256 of the texts in the shape of `bannerTexts()` (shared/revision.ts).
 * Web Crypto's digest needs a secure context: on plain http it is undefined.
 */
export const textsHash = (texts: Texts): Promise<string | undefined> =>
  sha256Hex(JSON.stringify({ categories: texts.categories, messages: texts.messages })).catch(() => undefined);
