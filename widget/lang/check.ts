/**
 * @module
 * What a language pack must hold: its tag, its direction, every message of
 * shared/messages.ts (the parts' too, MESSAGE_KEYS) and every category's name and description, each a
 * non-empty text, and nothing else. One set of rules for the build
 * (scripts/language-packs.ts) and for a site's own pack fetched by the
 * widget, so a pack that passes one passes the other. A pack short of a key
 * would show a visitor an English button in a French banner, and an unknown
 * key is usually a typo of a missing one.
 */
import { CATEGORY_IDS, type CategoryId } from "../../shared/categories.ts";
import { MESSAGE_KEYS, type Messages, type PartMessages } from "../../shared/messages.ts";

export interface LanguagePack {
  /** BCP 47 tag in canonical case (`fr`, `fr-CA`, `zh-Hant`, `es-419`), the same as the file name. */
  language: string;
  /** Writing direction, set as `dir` on the widget's root. */
  dir: "ltr" | "rtl";
  messages: Messages & PartMessages;
  categories: Record<CategoryId, { name: string; description: string }>;
}

/**
 * A pack's tag: language, optional script, optional region, in canonical case (RFC 5646 section 2.1.1),
 * so a file name has one spelling and fits the log's language field (at most 35 characters).
 */
export const PACK_TAG = /^[a-z]{2,3}(-[A-Z][a-z]{3})?(-([A-Z]{2}|\d{3}))?$/;

/** Why a value is wrong, or undefined when it is fine. */
type Rule = (value: unknown) => string | undefined;
interface Shape {
  [key: string]: Rule | Shape;
}

const text: Rule = (value) => (typeof value === "string" && value.trim() ? undefined : "not a non-empty text");
const each = (keys: readonly string[], rule: Rule | Shape): Shape => Object.fromEntries(keys.map((key) => [key, rule]));

/** The pack's shape, its `language` bound to `tag`. */
const packShape = (tag: string): Shape => ({
  language: (value) =>
    typeof value !== "string" || !PACK_TAG.test(value)
      ? "use a tag like fr or fr-CA"
      : value === tag
        ? undefined
        : `"${value}" does not match the file name "${tag}"`,
  dir: (value) => (value === "ltr" || value === "rtl" ? undefined : 'use "ltr" or "rtl"'),
  messages: each(MESSAGE_KEYS, text),
  categories: each(CATEGORY_IDS, { name: text, description: text }),
});

function walk(value: unknown, shape: Shape, path: string, problems: string[]): void {
  if (typeof value !== "object" || !value || Array.isArray(value)) {
    problems.push(`${path || "pack"}: not a JSON object`);
    return;
  }
  const object = value as Record<string, unknown>;
  const where = (key: string) => (path ? `${path}.${key}` : key);
  for (const [key, rule] of Object.entries(shape)) {
    const why = !Object.hasOwn(object, key) ? "missing" : typeof rule === "function" ? rule(object[key]) : undefined;
    if (why) problems.push(`${where(key)}: ${why}`);
    else if (typeof rule === "object") walk(object[key], rule, where(key), problems);
  }
  for (const key of Object.keys(object)) if (!Object.hasOwn(shape, key)) problems.push(`${where(key)}: unknown key`);
}

/**
 * Every problem with `value` as a pack, each naming the exact key (`messages.acceptAll: missing`);
 * empty when it is a complete pack. `tag`, from the file name or URL, must equal its `language`.
 */
export function packProblems(value: unknown, tag: string): string[] {
  const problems: string[] = [];
  walk(value, packShape(tag), "", problems);
  return problems;
}
