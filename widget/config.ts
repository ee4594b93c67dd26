/**
 * @module
 * Reads the widget's settings from its own `<script>` tag (`data-*`) and the
 * site's optional JSON block `<script type="application/json"
 * id="opencontact-consent-config">` (in `<head>` or right before the tag)
 * for texts, cookie names and category aliases (data, not code, so it works
 * under a strict CSP). The API origin defaults to the origin the script was
 * loaded from. Every setting it ignores gets one console warning that says
 * what and why: the core only notices (`diagnose`), the `diagnostics` part
 * (widget/parts/diagnostics.ts) words it, so a page set up correctly never
 * downloads the words. It also picks the language (widget/lang/choose.ts)
 * among the built packs and the site's own (`data-language-pack`); the pack
 * itself is loaded before the UI mounts (index.ts).
 */

/** Tags of the packs built as parts (vite.config.ts); absent when not built (unit tests). */
declare const __OCC_LANGUAGES__: string[];

import { CATEGORY_IDS, type CategoryId } from "../shared/categories.ts";
import { DECLARED_COOKIES } from "../shared/generated/declared-cookies.ts";
import { MESSAGE_KEYS } from "../shared/messages.ts";
import { DEFAULT_EXPIRY_DAYS } from "./consent-state.ts";
import { PACK_TAG } from "./lang/check.ts";
import { CORE_LANGUAGE, chooseLanguage } from "./lang/choose.ts";
import type { Explain, Problem, Setting } from "./parts/diagnostics.ts";
import type { RulesInUse } from "./parts/rules.ts";
// The loader, for `diagnose`: so a part must import only types from this module, or it would
// bundle its own copy of the loader (and its global) along with the value.
import { loadPart } from "./parts.ts";
import { resolveTexts, type TextOverrides, type Texts } from "./texts.ts";

export const CONFIG_ELEMENT_ID = "opencontact-consent-config";

/**
 * Default names of the first-party cookies each category's services set, deleted when it is withdrawn:
 * generated from the cookie declaration, content/cookies.json (a site's JSON block replaces a category's list).
 */
export const DEFAULT_COOKIE_PATTERNS: Record<CategoryId, string[]> = DECLARED_COOKIES;

/** What a `data-category` value may name after aliases are resolved: an optional category, or `necessary` (runs at once). */
export type GateCategory = CategoryId | "necessary";

/** Colour scheme of the banner and dialog: the visitor's system setting (`auto`) or a fixed one. */
export type Theme = "light" | "dark" | "auto";

/** The JSON block. */
export interface ConsentConfigInput extends TextOverrides {
  /** Cookie name patterns per category, deleted on withdrawal; replace the defaults for that category. */
  cookies?: Partial<Record<CategoryId, string[]>>;
  /** A site's own category names (vanilla-cookieconsent's `marketing`, `performance`…) mapped onto ours. */
  categoryAliases?: Record<string, GateCategory>;
}

export interface WidgetConfig {
  apiOrigin: string;
  privacyUrl: string;
  /** BCP 47 tag of the texts shown, recorded with each consent. */
  language: string;
  /** The texts shown come from a pack (built or the site's): loaded before the UI mounts. */
  fromPack: boolean;
  /** Writing direction of the texts shown, from their pack. */
  dir: "ltr" | "rtl";
  /** The site's own pack for `language` (`data-language-pack`), fetched instead of a built part. */
  packUrl: string | undefined;
  /** The language shown if the site's pack fails: the best built pack, or the core's. */
  fallbackLanguage: string;
  /** The JSON block's texts, applied on top of the pack once it is loaded. */
  overrides: TextOverrides;
  cookieDomain: string | undefined;
  floatingButton: boolean;
  expiryDays: number;
  reloadOnWithdraw: boolean;
  cookiePatterns: Record<CategoryId, string[]>;
  /** Lower-case site category name -> our category (`data-category="marketing"` -> targeting). */
  categoryAliases: Record<string, GateCategory>;
  /** `data-theme`: light, dark or auto (default). */
  theme: Theme;
  /** The CSP nonce of the widget's own tag, if any: under 'strict-dynamic' only gated tags with it run. */
  nonce: string | undefined;
  texts: Texts;
  /** Settles once a pack's texts are in `texts` (index.ts); absent when the core's own are shown. */
  textsLoaded?: Promise<void>;
  /** `data-rules="by-region"`: the log says which rule set applies to this visitor (issue 14, widget/rules.ts). */
  rulesByRegion: boolean;
  /** The rules that apply to this visitor (the rules part); absent until the log answers, and always without `rulesByRegion`. */
  rules?: RulesInUse;
}

/** BCP 47, loosely, and at most 35 characters: what the log accepts (shared/consent-schema.ts). */
const LANGUAGE_TAG = /^(?=.{2,35}$)[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$/;
/** What `data-category` may name before aliases: our categories and `necessary` (strictly necessary, runs at once). */
export const GATE_CATEGORIES: readonly string[] = [...CATEGORY_IDS, "necessary"];

/** Tells the site owner, in the console, what is wrong with their set-up and what to change. */
export function warn(what: string, why: string): void {
  console.warn(`OpenContact Consent: ${what}: ${why}`);
}

/**
 * Has the `diagnostics` part explain a set-up problem the core noticed (and has already dealt
 * with safely): loaded only on a page with one, and each problem is worded in the order noticed.
 * A microtask later, since readConfig runs before index.ts says where parts come from.
 */
export function diagnose(...problem: Problem): void {
  Promise.resolve()
    .then(() => loadPart<Explain>("diagnostics"))
    .then((explain) => explain(...problem))
    // A part that cannot load has said so (parts.ts); its words must never throw into the page.
    .catch(() => {});
}

/**
 * Runs `check` once the document is parsed: a tag without `defer` runs
 * before the rest of the page exists, so a misplaced setting is seen only then.
 */
export function whenParsed(check: () => void): void {
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", check);
  else check();
}

/** The tag that loaded the widget: `currentScript` while it runs, else a tag whose src ends in consent.js. */
export function findOwnScript(current: Element | null): HTMLScriptElement | null {
  if (current instanceof HTMLScriptElement) return current;
  return document.querySelector<HTMLScriptElement>('script[src$="consent.js"]');
}

/** Accepts a setting's value or not: a pattern, or an object that tests like one. */
interface Valid {
  test(value: string): boolean;
}

/** `value` when `valid` accepts it; otherwise undefined, with a warning naming the setting. */
function checked(what: Setting, value: string | undefined, valid: Valid) {
  if (value === undefined || valid.test(value)) return value;
  diagnose(what, value);
}

const HTTP_URL: Valid = {
  test(value) {
    try {
      return /^https?:$/.test(new URL(value, location.href).protocol);
    } catch {
      return false;
    }
  },
};

/** An on/off attribute, on when absent: `test` reads undefined as "undefined", no word for off. */
const flag = (value: string | undefined) => !/^(false|off|no|0)$/i.test(value?.trim() as string);

/** Whether one value of the JSON block is usable (truthy: kept). */
type Check = (value: unknown, key: string) => unknown;
/** What the JSON block may hold: a check per key (`*`: any other key), or a nested shape. */
export interface Shape {
  [key: string]: Check | Shape;
}

const isText: Check = (value) => typeof value === "string" && value.trim();
const each = (keys: readonly string[], shape: Check | Shape): Shape =>
  Object.fromEntries(keys.map((key) => [key, shape]));

/** The diagnostics part words why a value is left out by the top-level key it is under. */
const BLOCK: Shape = {
  messages: each(MESSAGE_KEYS, isText),
  categories: each(CATEGORY_IDS, { name: isText, description: isText }),
  cookies: each(CATEGORY_IDS, (value) => Array.isArray(value) && value.every((name) => typeof name === "string")),
  categoryAliases: {
    "*": (target, name) => GATE_CATEGORIES.includes(target as string) && !GATE_CATEGORIES.includes(name.toLowerCase()),
  },
};

/** The parts of `value` that `shape` allows; `drop()` for each part left out. */
function prune(value: unknown, shape: Shape, drop: () => void): Record<string, unknown> | undefined {
  if (typeof value !== "object" || !value || Array.isArray(value)) {
    drop();
    return;
  }
  const kept: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    const rule = shape[key] ?? shape["*"];
    if (typeof rule === "object") kept[key] = prune(item, rule, drop);
    else if (rule?.(item, key)) kept[key] = item;
    else drop();
  }
  return kept;
}

/**
 * The site's own block: a JSON script in `<head>` or right before the
 * widget's tag, places only the site author writes. The first element with
 * the id anywhere is not enough: a visitor's comment earlier in the body
 * could relabel the buttons. Any other element with the id gets a warning.
 */
function readBlock(script: HTMLScriptElement | null): unknown {
  const id = `#${CONFIG_ELEMENT_ID}`;
  const block = [...document.querySelectorAll(`script[type="application/json"]${id}`)].find(
    (element) => element.parentNode === document.head || element === script?.previousElementSibling,
  );
  whenParsed(() => {
    if ([...document.querySelectorAll(id)].some((element) => element !== block)) diagnose("misplaced");
  });
  const text = block?.textContent ?? "";
  try {
    // Untrimmed, so the line an engine names counts from the <script> tag's own line, as in the page's source.
    return JSON.parse(text.trim() ? text : "{}");
  } catch (error) {
    // Engines name the position (Chromium "at position 40 (line 3 column 5)", Firefox "at line 3 column 5").
    warn(`${id} ignored`, (error as Error).message);
  }
}

export function readConfig(script: HTMLScriptElement | null): WidgetConfig {
  const data = script?.dataset ?? {};
  const block = readBlock(script) ?? {};
  let dropped = false;
  const input: ConsentConfigInput =
    prune(block, BLOCK, () => {
      dropped = true;
    }) ?? {};
  // The diagnostics part walks the block again with the same shape, wording each value left out.
  if (dropped) diagnose("block", block, BLOCK);
  const resolved = resolveTexts(input);
  const apiOrigin = new URL(
    checked("data-api-origin", data.apiOrigin, HTTP_URL) ?? (script?.src || location.href),
    location.href,
  ).origin;
  const cookiePatterns = { ...DEFAULT_COOKIE_PATTERNS, ...input.cookies };
  // No prototype: a data-category such as "constructor" must not find Object's.
  const categoryAliases: Record<string, GateCategory> = Object.create(null);
  for (const [name, target] of Object.entries(input.categoryAliases ?? {}))
    categoryAliases[name.toLowerCase()] = target;
  const attribute = checked("data-language", data.language, LANGUAGE_TAG);
  const htmlLang = document.documentElement.lang || undefined;
  // The site's packs, by tag: each URL's file name, so none is fetched unless it is the one shown.
  const sitePacks: Record<string, string> = Object.create(null);
  for (const url of data.languagePack?.split(/\s+/).filter(Boolean) ?? []) {
    const tag = /([^/?#]*)\.json([?#]|$)/.exec(url)?.[1] as string;
    if (PACK_TAG.test(tag)) sitePacks[tag] = url;
    else diagnose("data-language-pack", url);
  }
  const built = typeof __OCC_LANGUAGES__ === "object" ? __OCC_LANGUAGES__ : [];
  // A block that rewords texts is in the page's language: the visitor's browser must not put a pack under it.
  const sources = { attribute, htmlLang, browserLanguages: resolved.overridden ? [] : navigator.languages };
  const choice = chooseLanguage({ ...sources, available: [...built, ...Object.keys(sitePacks)] });
  let language = choice.tag;
  if (resolved.overridden && language === CORE_LANGUAGE) {
    // Translated by the block alone: its texts are recorded in the page's language, no pack is missing.
    language = attribute ?? checked("<html lang>", htmlLang, LANGUAGE_TAG) ?? (CORE_LANGUAGE as string);
  } else if (choice.missing) diagnose("pack", choice.missing, language);
  const theme = checked("data-theme", data.theme, /^(light|dark|auto)$/);
  return {
    apiOrigin,
    privacyUrl: checked("data-privacy-url", data.privacyUrl, HTTP_URL) || `${apiOrigin}/privacy`,
    language,
    fromPack: choice.tag !== CORE_LANGUAGE,
    dir: "ltr",
    packUrl: sitePacks[language],
    fallbackLanguage: chooseLanguage({ ...sources, available: built }).tag,
    overrides: input,
    cookieDomain: data.cookieDomain || undefined,
    floatingButton: flag(data.floatingButton),
    expiryDays: Number(
      checked("data-expiry-days", data.expiryDays, { test: (days) => +days >= 1 && +days <= 395 }) ??
        DEFAULT_EXPIRY_DAYS,
    ),
    reloadOnWithdraw: flag(data.reloadOnWithdraw),
    cookiePatterns,
    categoryAliases,
    theme: (theme as Theme) || "auto",
    rulesByRegion: checked("data-rules", data.rules, /^(by-region|eea)$/) === "by-region",
    nonce: script?.nonce || undefined,
    texts: resolved,
  };
}
