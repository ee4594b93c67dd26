/**
 * @module
 * The diagnostics part: the words for every set-up problem the core notices
 * (an ignored `data-*` setting, a value left out of the JSON block, a
 * misplaced block, a gated tag that cannot work as written, Google tag
 * commands before the consent default). The core only notices and deals
 * with each problem safely (`diagnose` in widget/config.ts), then loads this
 * part, so a page set up correctly never downloads these texts. One console
 * message per problem, each saying what is wrong and what to change.
 */
import { CATEGORY_IDS } from "../../shared/categories.ts";
import type { CONFIG_ELEMENT_ID, GateCategory, Shape } from "../config.ts";

/** The JSON block's selector, as the core's messages name it (widget/config.ts CONFIG_ELEMENT_ID). */
const BLOCK_ID: `#${typeof CONFIG_ELEMENT_ID}` = "#opencontact-consent-config";
const HTTP_URL = "use an http(s) URL";
const LANGUAGE_TAG = "use a tag like en-GB";

/** What to use instead, for each setting the core may ignore (`data-*` on its tag, or `<html lang>`). */
const SETTING_HINTS = {
  "data-api-origin": HTTP_URL,
  "data-privacy-url": HTTP_URL,
  "data-language": LANGUAGE_TAG,
  "<html lang>": LANGUAGE_TAG,
  "data-language-pack": "name it <tag>.json",
  "data-theme": "use light, dark or auto",
  "data-expiry-days": "use 1 to 395",
  "data-rules": "use by-region or eea",
};

export type Setting = keyof typeof SETTING_HINTS;

/** Why a value under each of the block's top-level keys is left out (the core's shape decides that it is). */
const BLOCK_REASONS: Record<string, string> = {
  messages: "not a text",
  categories: "not a text",
  cookies: "not a list of names",
  categoryAliases: `map a site's own name to ${[...CATEGORY_IDS, "necessary"].join(", ")}`,
};

/** Why a gated tag is skipped for good (widget/gating.ts); an unknown `category` is worded with the site's aliases. */
const TAG_PROBLEMS = {
  src: "loaded before consent: use data-src",
  type: 'ran before consent: add type="text/plain"',
  nonce: "skipped: add the consent.js tag's nonce",
};

export type TagProblem = keyof typeof TAG_PROBLEMS | "category";

/** A problem as the core reports it: what kind, and what the words need. */
export type Problem =
  | [setting: Setting, value: string]
  /** The block as parsed, and the shape the core pruned it with. */
  | [kind: "block", block: unknown, shape: Shape]
  /** An element with the block's id somewhere the site's own block cannot be. */
  | [kind: "misplaced"]
  | [kind: "tag", element: Element, problem: TagProblem, aliases: Record<string, GateCategory>]
  /** Google tag commands that read consent came before the default. */
  | [kind: "order"]
  /** The page made its dataLayer only after consent.js ran. */
  | [kind: "dataLayer"]
  /** No pack for the language the site or the visitor asked for; `shown` is the one shown instead. */
  | [kind: "pack", missing: string, shown: string]
  /** The browser refused the consent cookie on `data-cookie-domain`: the choice is kept host-only. */
  | [kind: "cookie-domain", domain: string];

export type Explain = (...problem: Problem) => void;

/** `what` ignored, and why: how most messages read. */
const ignored = (what: string, why: string) => `${what} ignored: ${why}`;

/** Why each value of `value` that `shape` leaves out is left out, as the core's prune walks it. */
function blockProblems(value: unknown, shape: Shape, path: string, section?: string): string[] {
  if (typeof value !== "object" || !value || Array.isArray(value)) return [ignored(path, "not a JSON object")];
  return Object.entries(value).flatMap(([key, item]) => {
    const where = `${path}.${key}`;
    const rule = shape[key] ?? shape["*"];
    if (!rule) return [ignored(where, "unknown key")];
    if (typeof rule === "object") return blockProblems(item, rule, where, section ?? key);
    return rule(item, key) ? [] : [ignored(where, BLOCK_REASONS[section ?? key] as string)];
  });
}

/** What the console says about `problem`, one message each (a block may have several), without the prefix. */
function messages(...problem: Problem): string[] {
  switch (problem[0]) {
    case "block":
      return blockProblems(problem[1], problem[2], BLOCK_ID);
    case "misplaced":
      return [ignored(BLOCK_ID, "put it in <head> or right before consent.js")];
    case "tag": {
      const [, element, kind, aliases] = problem;
      const why =
        kind === "category"
          ? `has an unknown data-category (known: ${[...CATEGORY_IDS, "necessary", ...Object.keys(aliases)]}): add it to categoryAliases`
          : TAG_PROBLEMS[kind];
      // Named by its markup, so the site owner can find it.
      return [`${element.outerHTML.slice(0, 120)} ${why}`];
    }
    case "order":
      return [
        "Google tag commands came before the consent default: load consent.js without defer, before Google's tag",
      ];
    case "dataLayer":
      return ["no dataLayer before consent.js: create it first"];
    case "pack": {
      const [, missing, shown] = problem;
      return [
        `no "${missing}" language pack: showing ${shown}; add widget/lang/packs/${missing}.json or data-language-pack`,
      ];
    }
    case "cookie-domain": {
      const host = location.hostname;
      return [
        `the browser refused data-cookie-domain="${problem[1]}" on ${host}, so the choice is kept for this host only: use ${host} or a parent domain of it.`,
      ];
    }
    default:
      return [ignored(`${problem[0]}="${problem[1]}"`, SETTING_HINTS[problem[0]])];
  }
}

const explain: Explain = (...problem) => {
  for (const text of messages(...problem)) console.warn(`OpenContact Consent: ${text}`);
};

export default explain;
