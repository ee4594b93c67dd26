/**
 * @module
 * Which language the widget speaks: the first of `data-language`, `<html lang>`
 * and the browser's languages (in the visitor's order) that a pack covers,
 * matched as RFC 4647 "Lookup" does (case ignored, `fr-CA` falls back to `fr`,
 * `zh-Hant-TW` to `zh-Hant` then `zh`). English falls back to en-GB, the
 * statement's own words in the core. Pure: the caller reads the page.
 */

/** The core's language: the privacy statement's own texts (shared/messages.ts). */
export const CORE_LANGUAGE = "en-GB";

export interface LanguageSources {
  /** The widget tag's `data-language`. */
  attribute?: string | undefined;
  /** `document.documentElement.lang`. */
  htmlLang?: string | undefined;
  /** `navigator.languages`, most preferred first. */
  browserLanguages?: readonly string[] | undefined;
  /** Tags of the packs the widget can load (built or the site's own); en-GB is always available. */
  available: readonly string[];
}

export interface LanguageChoice {
  /** The tag of the pack to show, as the pack spells it (CORE_LANGUAGE for the core's texts). */
  tag: string;
  /**
   * The language whose pack is missing, for one console warning (the `diagnostics` part words
   * it): set when the site's own setting has none, or when none of the visitor's languages has one.
   */
  missing?: string | undefined;
}

/** The available tag `wanted` resolves to, dropping subtags from the end (and a singleton left before them). */
function lookup(wanted: string, available: readonly string[]): string | undefined {
  for (let range = wanted.toLowerCase(); range; range = range.replace(/(-.)?-[^-]*$|^[^-]*$/, "")) {
    const tag = available.find((candidate) => candidate.toLowerCase() === range);
    if (tag) return tag;
    if (range === "en") return CORE_LANGUAGE;
  }
}

export function chooseLanguage({
  attribute,
  htmlLang,
  browserLanguages = [],
  available,
}: LanguageSources): LanguageChoice {
  const wanted = [attribute, htmlLang, ...browserLanguages]
    .map((tag) => tag?.trim())
    .filter((tag) => !!tag) as string[];
  const index = wanted.findIndex((want) => lookup(want, available));
  const tag = lookup(wanted[index] ?? "", available) ?? CORE_LANGUAGE;
  // The site's own setting (data-language, else <html lang>) always matters; a visitor's first
  // browser language only when none of theirs has a pack.
  const siteSetting = attribute?.trim() || htmlLang?.trim();
  return { tag, missing: index < 0 || (index > 0 && siteSetting) ? wanted[0] : undefined };
}
