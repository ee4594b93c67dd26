/**
 * Rules by region (issue 14, worker side): the settings and the rule set as
 * pure functions, then `GET /api/rules` in workerd with the country as
 * Cloudflare reports it or forced on plain http.
 */
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  exceptionsOf,
  OPT_IN_EVERYWHERE,
  parseRulesSettings,
  type RulesSettings,
  regionOf,
  ruleSetOf,
  rulesFor,
} from "../../worker/lib/rules.ts";

afterEach(() => {
  vi.restoreAllMocks();
});

const UK_ANALYTICS: RulesSettings = { ...OPT_IN_EVERYWHERE, ukException: ["analytics"] };

describe("rules settings", () => {
  it("defaults to opt-in everywhere, as the shipped wrangler.toml does", () => {
    expect(parseRulesSettings({})).toEqual({ settings: OPT_IN_EVERYWHERE, problems: [] });
    expect(parseRulesSettings(env)).toEqual({ settings: OPT_IN_EVERYWHERE, problems: [] });
    expect(parseRulesSettings({ UK_EXCEPTION: "", UK_CROWN_DEPENDENCIES: "", OTHER_RULE_SET: "" }).settings).toEqual(
      OPT_IN_EVERYWHERE,
    );
  });

  it("reads each documented value", () => {
    expect(
      parseRulesSettings({ UK_EXCEPTION: "analytics", UK_CROWN_DEPENDENCIES: "true", OTHER_RULE_SET: "uk" }),
    ).toEqual({ settings: { ukException: ["analytics"], crownDependencies: true, otherRuleSet: "uk" }, problems: [] });
    expect(parseRulesSettings({ UK_EXCEPTION: " functionality, analytics " }).settings.ukException).toEqual([
      "analytics",
      "functionality",
    ]);
    expect(parseRulesSettings({ UK_EXCEPTION: "off", OTHER_RULE_SET: "eea", UK_CROWN_DEPENDENCIES: "false" })).toEqual({
      settings: OPT_IN_EVERYWHERE,
      problems: [],
    });
  });

  it("refuses a bad value with a message naming the var, keeping the strict default", () => {
    for (const [vars, name] of [
      [{ UK_EXCEPTION: "functionality" }, "UK_EXCEPTION"],
      [{ UK_EXCEPTION: "analytics,targeting" }, "UK_EXCEPTION"],
      [{ UK_EXCEPTION: "on" }, "UK_EXCEPTION"],
      [{ UK_CROWN_DEPENDENCIES: "yes" }, "UK_CROWN_DEPENDENCIES"],
      [{ OTHER_RULE_SET: "us" }, "OTHER_RULE_SET"],
    ] as const) {
      const { settings, problems } = parseRulesSettings(vars);
      expect(settings).toEqual(OPT_IN_EVERYWHERE);
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatch(new RegExp(`^${name} `));
    }
  });
});

describe("country to region to rule set", () => {
  it("maps EU, EEA, UK, crown dependencies, others and no country", () => {
    for (const country of ["DE", "FR", "IE", "GR", "MT", "IS", "LI", "NO", "RE"]) {
      expect(regionOf(country, UK_ANALYTICS)).toBe("eea");
    }
    expect(regionOf("GB", UK_ANALYTICS)).toBe("uk");
    for (const country of ["GG", "JE", "IM"]) {
      expect(regionOf(country, UK_ANALYTICS)).toBe("other");
      expect(regionOf(country, { ...UK_ANALYTICS, crownDependencies: true })).toBe("uk");
    }
    for (const country of ["US", "CH", "JP"]) expect(regionOf(country, UK_ANALYTICS)).toBe("other");
    for (const country of [null, undefined, "", "XX", "T1", "G", "GBR"]) {
      expect(regionOf(country, UK_ANALYTICS)).toBe("eea");
    }
  });

  it("gives the UK rule set only with the exception on, and others what the site chose", () => {
    expect(ruleSetOf("eea", UK_ANALYTICS)).toBe("eea");
    expect(ruleSetOf("uk", UK_ANALYTICS)).toBe("uk");
    expect(ruleSetOf("other", UK_ANALYTICS)).toBe("eea");
    expect(ruleSetOf("other", { ...UK_ANALYTICS, otherRuleSet: "uk" })).toBe("uk");
    const off = { ...OPT_IN_EVERYWHERE, otherRuleSet: "uk", crownDependencies: true } as const;
    for (const region of ["eea", "uk", "other"] as const) expect(ruleSetOf(region, off)).toBe("eea");
  });

  it("puts only the configured categories under the exception, never targeting, none under eea", () => {
    const both: RulesSettings = { ...UK_ANALYTICS, ukException: ["analytics", "functionality"] };
    expect(exceptionsOf("eea", both)).toEqual([]);
    expect(exceptionsOf("uk", UK_ANALYTICS)).toEqual(["analytics"]);
    expect(exceptionsOf("uk", both)).toEqual(["analytics", "functionality"]);
    expect(rulesFor("GB", both)).toEqual({ region: "uk", ruleSet: "uk", exceptions: ["analytics", "functionality"] });
    expect(rulesFor("DE", both)).toEqual({ region: "eea", ruleSet: "eea", exceptions: [] });
    expect(rulesFor("GB", OPT_IN_EVERYWHERE)).toEqual({ region: "uk", ruleSet: "eea", exceptions: [] });
  });
});
