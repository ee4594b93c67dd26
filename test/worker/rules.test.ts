/**
 * Rules by region (issue 14, worker side): the settings and the rule set as
 * pure functions, then `GET /api/rules` in workerd with the country as
 * Cloudflare reports it or forced on plain http.
 */
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { RULES_PATH, type RulesAnswer } from "../../shared/rules.ts";
import app from "../../worker/index.ts";
import {
  exceptionsOf,
  OPT_IN_EVERYWHERE,
  parseRulesSettings,
  type RulesSettings,
  regionOf,
  ruleSetOf,
  rulesFor,
} from "../../worker/lib/rules.ts";
import { SITE_ORIGIN } from "./helpers.ts";

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

type RulesVars = Partial<
  Record<"UK_EXCEPTION" | "UK_CROWN_DEPENDENCIES" | "OTHER_RULE_SET" | "DEV_FORCE_COUNTRY", string>
>;

/** The env with exactly these rules settings (none from a local .dev.vars). */
function rulesEnv(vars: RulesVars = {}): Env {
  return {
    ...env,
    UK_EXCEPTION: "off",
    UK_CROWN_DEPENDENCIES: "false",
    OTHER_RULE_SET: "eea",
    DEV_FORCE_COUNTRY: undefined,
    ...vars,
  };
}

interface RulesRequest {
  country?: string;
  vars?: RulesVars;
  origin?: string | null;
  base?: string;
}

function getRules({ country, vars, origin = SITE_ORIGIN, base = "http://127.0.0.1:8787" }: RulesRequest = {}) {
  const headers: Record<string, string> = origin === null ? {} : { Origin: origin };
  const request = new Request(`${base}${RULES_PATH}`, {
    headers,
    ...(country === undefined ? {} : { cf: { country } }),
  });
  return Promise.resolve(app.request(request, undefined, rulesEnv(vars)));
}

async function rulesOf(request: RulesRequest): Promise<RulesAnswer> {
  const response = await getRules(request);
  expect(response.status).toBe(200);
  return response.json();
}

const UK_ON = { UK_EXCEPTION: "analytics" };

describe("GET /api/rules", () => {
  it("answers each region, without the country, never cached, with CORS for the site", async () => {
    const response = await getRules({ country: "GB", vars: UK_ON });
    expect(response.status).toBe(200);
    expect(response.headers.get("Cache-Control")).toBe("private, no-store");
    expect(response.headers.get("Access-Control-Allow-Origin")).toBe(SITE_ORIGIN);
    const text = await response.text();
    expect(JSON.parse(text)).toEqual({ region: "uk", ruleSet: "uk", exceptions: ["analytics"] });
    expect(text).not.toContain("GB");
    expect(await rulesOf({ country: "DE", vars: UK_ON })).toEqual({ region: "eea", ruleSet: "eea", exceptions: [] });
    expect(await rulesOf({ country: "NO", vars: UK_ON })).toEqual({ region: "eea", ruleSet: "eea", exceptions: [] });
    expect(await rulesOf({ country: "US", vars: UK_ON })).toEqual({ region: "other", ruleSet: "eea", exceptions: [] });
    expect(await rulesOf({ vars: UK_ON })).toEqual({ region: "eea", ruleSet: "eea", exceptions: [] });
    expect(await rulesOf({ country: "XX", vars: UK_ON })).toEqual({ region: "eea", ruleSet: "eea", exceptions: [] });
    expect(await rulesOf({ country: "T1", vars: UK_ON })).toEqual({ region: "eea", ruleSet: "eea", exceptions: [] });
  });

  it("counts the crown dependencies as the UK only when told to", async () => {
    expect(await rulesOf({ country: "JE", vars: UK_ON })).toEqual({ region: "other", ruleSet: "eea", exceptions: [] });
    expect(await rulesOf({ country: "JE", vars: { ...UK_ON, UK_CROWN_DEPENDENCIES: "true" } })).toEqual({
      region: "uk",
      ruleSet: "uk",
      exceptions: ["analytics"],
    });
  });

  it("gives other countries the rule set the site chose", async () => {
    const vars = { UK_EXCEPTION: "analytics,functionality", OTHER_RULE_SET: "uk" };
    expect(await rulesOf({ country: "US", vars })).toEqual({
      region: "other",
      ruleSet: "uk",
      exceptions: ["analytics", "functionality"],
    });
    expect(await rulesOf({ country: "FR", vars })).toEqual({ region: "eea", ruleSet: "eea", exceptions: [] });
  });

  it("is eea for everyone with the exception off, the shipped default", async () => {
    for (const country of ["GB", "DE", "US", "JE"]) {
      const vars = { OTHER_RULE_SET: "uk", UK_CROWN_DEPENDENCIES: "true" };
      expect((await rulesOf({ country, vars })).ruleSet).toBe("eea");
      const shipped = await app.request(
        new Request(`http://127.0.0.1:8787${RULES_PATH}`, { headers: { Origin: SITE_ORIGIN }, cf: { country } }),
        undefined,
        env,
      );
      expect(((await shipped.json()) as RulesAnswer).ruleSet).toBe("eea");
    }
  });

  it("falls back to opt-in everywhere on a bad setting, logging the var once", async () => {
    const error = vi.spyOn(console, "error").mockImplementation(() => {});
    const vars = { UK_EXCEPTION: "yes please" };
    expect(await rulesOf({ country: "GB", vars })).toEqual({ region: "uk", ruleSet: "eea", exceptions: [] });
    expect(await rulesOf({ country: "GB", vars })).toEqual({ region: "uk", ruleSet: "eea", exceptions: [] });
    expect(error).toHaveBeenCalledTimes(1);
    expect(error.mock.calls[0]?.[0]).toMatch(/^UK_EXCEPTION "yes please" is not/);
  });

  it("honours DEV_FORCE_COUNTRY on plain http only", async () => {
    const error = vi.spyOn(console, "error").mockImplementation(() => {});
    const vars = { ...UK_ON, DEV_FORCE_COUNTRY: "gb" };
    expect(await rulesOf({ country: "DE", vars })).toEqual({ region: "uk", ruleSet: "uk", exceptions: ["analytics"] });
    expect(await rulesOf({ vars })).toEqual({ region: "uk", ruleSet: "uk", exceptions: ["analytics"] });
    expect(error).not.toHaveBeenCalled();
    const secure = { vars, base: "https://consent.example", origin: SITE_ORIGIN };
    expect(await rulesOf({ ...secure, country: "DE" })).toEqual({ region: "eea", ruleSet: "eea", exceptions: [] });
    expect(await rulesOf({ ...secure })).toEqual({ region: "eea", ruleSet: "eea", exceptions: [] });
    expect(error).toHaveBeenCalledWith("DEV_FORCE_COUNTRY is local-only; ignored on https");
    expect(await rulesOf({ country: "DE", vars: { ...UK_ON, DEV_FORCE_COUNTRY: "GBR" } })).toMatchObject({
      region: "eea",
    });
    expect(error).toHaveBeenCalledWith(expect.stringMatching(/^DEV_FORCE_COUNTRY "GBR" is not two letters/));
  });

  it("refuses a site not in ALLOWED_ORIGINS, readably, and answers a same-origin page", async () => {
    const refused = await getRules({ country: "GB", vars: UK_ON, origin: "https://other.example" });
    expect(refused.status).toBe(403);
    expect(refused.headers.get("Access-Control-Allow-Origin")).toBe("*");
    expect(await refused.json()).toEqual({
      error: {
        code: "forbidden_origin",
        message: "origin https://other.example may not read the rules; add it to ALLOWED_ORIGINS of the consent worker",
        field: "Origin",
      },
    });
    expect(await rulesOf({ country: "GB", vars: UK_ON, origin: null })).toMatchObject({ ruleSet: "uk" });
    const post = await app.request(RULES_PATH, { method: "POST", headers: { Origin: SITE_ORIGIN } }, rulesEnv());
    expect(post.status).toBe(405);
    expect(post.headers.get("Allow")).toBe("GET, OPTIONS");
  });
});
