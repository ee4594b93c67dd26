/**
 * @module
 * Reads the widget's settings from its own `<script>` tag (`data-*`), an
 * optional JSON block `<script type="application/json"
 * id="opencontact-consent-config">` for texts and cookie names (data, not
 * code, so it works under a strict CSP). The API origin defaults to the
 * origin the script was loaded from.
 */
import type { CategoryId } from "../shared/categories.ts";
import { DEFAULT_EXPIRY_DAYS } from "./consent-state.ts";
import { resolveTexts, type TextOverrides, type Texts } from "./texts.ts";

export const CONFIG_ELEMENT_ID = "opencontact-consent-config";

/**
 * Default names of the first-party cookies each category's tags set, from the vendors' own pages:
 * - analytics: `_ga`, `_ga_<container-id>` (GA4, https://support.google.com/analytics/answer/11397207);
 *   `_gid`, `_gat…` (Universal Analytics, https://developers.google.com/analytics/resources/concepts/gaConceptsCookies).
 * - targeting: `_gac_<property-id>` and `_gcl_<suffix>`, Google Ads click and conversion-linker data
 *   (https://support.google.com/analytics/answer/7519794): `_gcl_*` covers `_gcl_au`, `_gcl_aw`, `_gcl_dc`,
 *   `_gcl_gb`, `_gcl_gs`…; `_fbp` and `_fbc` (Meta Pixel,
 *   https://developers.facebook.com/docs/marketing-api/conversions-api/parameters/fbp-and-fbc).
 * `_gac_*` and `_ga_*` do not overlap, so advertising cookies are not analytics ones.
 */
export const DEFAULT_COOKIE_PATTERNS: Record<CategoryId, string[]> = {
  analytics: ["_ga", "_ga_*", "_gid", "_gat*"],
  functionality: [],
  targeting: ["_gcl_*", "_gac_*", "_fbp", "_fbc"],
};

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
}

const LANGUAGE_TAG = /^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$/;

/** The tag that loaded the widget: `currentScript` while it runs, else a tag whose src ends in consent.js. */
export function findOwnScript(current: Element | null): HTMLScriptElement | null {
  if (current instanceof HTMLScriptElement) return current;
  return document.querySelector<HTMLScriptElement>('script[src$="consent.js"]');
}

function originOf(url: string | null | undefined, fallback: string): string {
  try {
    return url ? new URL(url, location.href).origin : fallback;
  } catch {
    return fallback;
  }
}

function flag(value: string | undefined, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  return !/^(false|off|no|0)$/i.test(value.trim());
}

function readInput(): ConsentConfigInput {
  try {
    return JSON.parse(document.getElementById(CONFIG_ELEMENT_ID)?.textContent || "{}") ?? {};
  } catch {
    console.warn(`OpenContact Consent: #${CONFIG_ELEMENT_ID} is not valid JSON`);
    return {};
  }
}

export function readConfig(script: HTMLScriptElement | null): WidgetConfig {
  const data = script?.dataset ?? {};
  const input = readInput();
  const apiOrigin = originOf(data.apiOrigin ?? script?.src, location.origin);
  const texts = resolveTexts(input);
  const requested = data.language ?? (texts.overridden ? document.documentElement.lang : "");
  const expiryDays = Number(data.expiryDays);
  const cookiePatterns = { ...DEFAULT_COOKIE_PATTERNS };
  for (const id of Object.keys(cookiePatterns) as CategoryId[]) {
    const patterns = input.cookies?.[id];
    if (Array.isArray(patterns)) cookiePatterns[id] = patterns.filter((pattern) => typeof pattern === "string");
  }
  return {
    apiOrigin,
    privacyUrl: data.privacyUrl || `${apiOrigin}/privacy`,
    // The default texts are English (UK); a site that translates them says so with data-language or <html lang>.
    language: requested && LANGUAGE_TAG.test(requested) ? requested : "en-GB",
    cookieDomain: data.cookieDomain || undefined,
    floatingButton: flag(data.floatingButton, true),
    expiryDays: expiryDays > 0 && expiryDays <= 395 ? expiryDays : DEFAULT_EXPIRY_DAYS,
    reloadOnWithdraw: flag(data.reloadOnWithdraw, true),
    cookiePatterns,
    categoryAliases: { ...input.categoryAliases },
    theme: data.theme === "light" || data.theme === "dark" ? data.theme : "auto",
    nonce: script?.nonce || undefined,
    texts,
  };
}
