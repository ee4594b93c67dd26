/**
 * @module
 * The site's rules-by-region settings (`UK_EXCEPTION`,
 * `UK_CROWN_DEPENDENCIES`, `OTHER_RULE_SET`) parsed, with every default and
 * every fallback for a bad value the strict one: opt-in everywhere. Pure, so
 * `npm run deploy` checks a configuration with the worker's own parser
 * (docs/configuration.md "Rules by region").
 */
import type { ExceptionCategory, RuleSet } from "../../shared/rules.ts";

export interface RulesSettings {
  /** Categories under the UK exception; empty: the exception is off. */
  ukException: ExceptionCategory[];
  /** Whether Guernsey, Jersey and the Isle of Man count as the UK. */
  crownDependencies: boolean;
  /** The rule set for visitors outside the EEA and the UK. */
  otherRuleSet: RuleSet;
}

export const OPT_IN_EVERYWHERE: RulesSettings = { ukException: [], crownDependencies: false, otherRuleSet: "eea" };

/** The vars as wrangler passes them: absent or a string. */
export interface RulesVars {
  UK_EXCEPTION?: string;
  UK_CROWN_DEPENDENCIES?: string;
  OTHER_RULE_SET?: string;
}

/** Parses the settings; each bad var falls back to its (strict) default and is named in `problems`. */
export function parseRulesSettings(vars: RulesVars): { settings: RulesSettings; problems: string[] } {
  const problems: string[] = [];
  const settings = { ...OPT_IN_EVERYWHERE };
  const exception = vars.UK_EXCEPTION?.trim() ?? "";
  if (exception !== "" && exception !== "off") {
    const categories = [...new Set(exception.split(",").map((entry) => entry.trim()))].sort();
    if (categories.join() === "analytics") settings.ukException = ["analytics"];
    else if (categories.join() === "analytics,functionality") settings.ukException = ["analytics", "functionality"];
    else
      problems.push(
        `UK_EXCEPTION ${JSON.stringify(vars.UK_EXCEPTION)} is not "off", "analytics" or "analytics,functionality"; the UK exception is off (opt-in everywhere)`,
      );
  }
  const crown = vars.UK_CROWN_DEPENDENCIES?.trim() ?? "";
  if (crown === "true") settings.crownDependencies = true;
  else if (crown !== "" && crown !== "false")
    problems.push(
      `UK_CROWN_DEPENDENCIES ${JSON.stringify(vars.UK_CROWN_DEPENDENCIES)} is not "true" or "false"; GG, JE and IM do not count as the UK`,
    );
  const other = vars.OTHER_RULE_SET?.trim() ?? "";
  if (other === "uk") settings.otherRuleSet = "uk";
  else if (other !== "" && other !== "eea")
    problems.push(
      `OTHER_RULE_SET ${JSON.stringify(vars.OTHER_RULE_SET)} is not "eea" or "uk"; visitors outside the EEA and the UK get "eea"`,
    );
  return { settings, problems };
}
