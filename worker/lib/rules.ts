/**
 * @module
 * Rules by region: a country's region, and the rule set and exception
 * categories that follow from the site's settings (./rules-settings.ts). Pure functions but
 * `rulesSettings` and `requestCountry`, which log a bad setting once per
 * isolate. Every default and every fallback for a bad value is the strict
 * one: opt-in everywhere (docs/configuration.md "Rules by region").
 */
import type { ExceptionCategory, Region, RuleSet, RulesAnswer } from "../../shared/rules.ts";
import { parseRulesSettings, type RulesSettings, type RulesVars } from "./rules-settings.ts";

/** The 27 EU members, their outermost regions and Åland with codes of their own, and Iceland, Liechtenstein, Norway. */
const EEA = new Set(
  [
    ["AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT", "LV", "LT", "LU"],
    ["MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE"],
    ["AX", "GF", "GP", "MQ", "RE", "YT", "MF"],
    ["IS", "LI", "NO"],
  ].flat(),
);
const CROWN_DEPENDENCIES = new Set(["GG", "JE", "IM"]);
/** Cloudflare's codes for "unknown" and for Tor: no country, so the strict rules. */
const NO_COUNTRY = new Set(["XX", "T1"]);
const COUNTRY_PATTERN = /^[A-Z]{2}$/;

/** A country code (ISO 3166-1 alpha-2, as `request.cf.country` gives it) to its region; no or an unknown country is `eea`. */
export function regionOf(country: string | null | undefined, settings: RulesSettings): Region {
  const code = country?.trim().toUpperCase() ?? "";
  if (!COUNTRY_PATTERN.test(code) || NO_COUNTRY.has(code) || EEA.has(code)) return "eea";
  if (code === "GB" || (settings.crownDependencies && CROWN_DEPENDENCIES.has(code))) return "uk";
  return "other";
}

/** The rule set for a region: anything but `eea` only when the site turned the UK exception on. */
export function ruleSetOf(region: Region, settings: RulesSettings): RuleSet {
  if (settings.ukException.length === 0 || region === "eea") return "eea";
  return region === "uk" ? "uk" : settings.otherRuleSet;
}

/** The categories under the exception for a rule set; targeting is never one. */
export function exceptionsOf(ruleSet: RuleSet, settings: RulesSettings): ExceptionCategory[] {
  return ruleSet === "uk" ? [...settings.ukException] : [];
}

export function rulesFor(country: string | null | undefined, settings: RulesSettings): RulesAnswer {
  const region = regionOf(country, settings);
  const ruleSet = ruleSetOf(region, settings);
  return { region, ruleSet, exceptions: exceptionsOf(ruleSet, settings) };
}

let loaded: { key: string; settings: RulesSettings } | null = null;

/** The worker's settings, parsed once per isolate and values; a bad var is logged once, naming it. */
export function rulesSettings(env: RulesVars): RulesSettings {
  const key = JSON.stringify([env.UK_EXCEPTION, env.UK_CROWN_DEPENDENCIES, env.OTHER_RULE_SET]);
  if (loaded?.key === key) return loaded.settings;
  const { settings, problems } = parseRulesSettings(env);
  for (const problem of problems) console.error(problem);
  loaded = { key, settings };
  return settings;
}

let warnedForced = "";

/**
 * The visitor's country: Cloudflare's, or `DEV_FORCE_COUNTRY` on plain http
 * (local development and the browser tests). On https the forced value is
 * ignored, like the other local-only values, so production cannot be told
 * where its visitors are.
 */
export function requestCountry(request: Request, forced: string | undefined): string | null {
  const value = forced?.trim().toUpperCase() ?? "";
  if (value !== "") {
    const secure = new URL(request.url).protocol === "https:";
    const problem = secure
      ? "DEV_FORCE_COUNTRY is local-only; ignored on https"
      : COUNTRY_PATTERN.test(value)
        ? null
        : `DEV_FORCE_COUNTRY ${JSON.stringify(forced)} is not two letters (e.g. GB); ignored`;
    if (!problem) return value;
    if (warnedForced !== problem) console.error(problem);
    warnedForced = problem;
  }
  const country = request.cf?.country;
  return typeof country === "string" ? country : null;
}

/** The rules for this request: what `GET /api/rules` answers, and the lookup stored with every event. */
export function rulesOfRequest(request: Request, env: Env): RulesAnswer {
  return rulesFor(requestCountry(request, env.DEV_FORCE_COUNTRY), rulesSettings(env));
}
