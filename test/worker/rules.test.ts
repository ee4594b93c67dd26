/**
 * Rules by region (issue 14, worker side): the settings and the rule set as
 * pure functions, then `GET /api/rules` in workerd with the country as
 * Cloudflare reports it or forced on plain http.
 */
import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { CONSENT_PATH, type ConsentReceipt } from "../../shared/api.ts";
import { RULES_PATH, type RulesAnswer } from "../../shared/rules.ts";
import type { StaffEventRecord, StaffStats, SubjectAccessExport } from "../../shared/staff-api.ts";
import { findEventByEventId } from "../../worker/db/consent-events.ts";
import app from "../../worker/index.ts";
import { receiptKeys, verifyReceipt } from "../../worker/lib/receipts.ts";
import { exceptionsOf, regionOf, ruleSetOf, rulesFor } from "../../worker/lib/rules.ts";
import { OPT_IN_EVERYWHERE, parseRulesSettings, type RulesSettings } from "../../worker/lib/rules-settings.ts";
import {
  countEvents,
  errorOf,
  freshLog,
  newEvent,
  nextClientIp,
  SITE_ORIGIN,
  seed,
  TEST_USER_AGENT,
  validBody,
} from "./helpers.ts";
import { parseCsv, staffRequest } from "./staff-helpers.ts";

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
  Record<
    "UK_EXCEPTION" | "UK_CROWN_DEPENDENCIES" | "OTHER_RULE_SET" | "DEV_FORCE_COUNTRY" | "RECEIPT_SIGNING_KEYS",
    string
  >
>;

/** The public local key of .dev.vars.example: usable on plain http. */
const LOCAL_RECEIPT_KEYS = JSON.stringify([
  {
    kid: "local-dev-1",
    kty: "OKP",
    crv: "Ed25519",
    x: "o937vt_gVDoHuHlIGJ4QTQKuPGXRhK-GEgI9nJX68mw",
    d: "XkRSSyVwJIW7ZzmbTpT_6-KSBbn-f_S-uDPiN9bMnpE",
  },
]);

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
const BOTH = { UK_EXCEPTION: "analytics,functionality" };

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

/** A consent post from a visitor in `country` (as Cloudflare reports it) to a worker with these rules settings. */
function postFrom(country: string | undefined, body: unknown, vars: RulesVars = UK_ON) {
  const request = new Request(`http://127.0.0.1:8787${CONSENT_PATH}`, {
    method: "POST",
    headers: {
      Origin: SITE_ORIGIN,
      "Content-Type": "application/json",
      "CF-Connecting-IP": nextClientIp(),
      "User-Agent": TEST_USER_AGENT,
    },
    body: JSON.stringify(body),
    ...(country === undefined ? {} : { cf: { country } }),
  });
  return Promise.resolve(app.request(request, undefined, rulesEnv(vars)));
}

async function storedRow(eventId: string) {
  return env.DB.prepare("SELECT region, rule_set, basis, method, analytics FROM consent_events WHERE event_id = ?")
    .bind(eventId)
    .first<{
      region: string | null;
      rule_set: string | null;
      basis: string | null;
      method: string;
      analytics: number;
    }>();
}

const NOT_OBJECTED = { analytics: "exception-not-objected", functionality: "consent", targeting: "consent" } as const;
const OBJECTED = { analytics: "objected", functionality: "consent", targeting: "consent" } as const;
const ALL_CONSENT = { analytics: "consent", functionality: "consent", targeting: "consent" } as const;

describe("region, rule set and basis stored with every event", () => {
  beforeEach(freshLog);

  it("stores the worker's region for an older widget's post, with no rule set or basis", async () => {
    const body = validBody();
    const response = await postFrom("GB", body);
    expect(response.status).toBe(201);
    expect(await storedRow(body.eventId)).toMatchObject({ region: "uk", rule_set: null, basis: null });
    // An older widget's receipt keeps its shape: no rules, states as before.
    expect(((await response.json()) as ConsentReceipt).record).not.toHaveProperty("rules");
    const eea = validBody();
    expect((await postFrom("DE", eea)).status).toBe(201);
    expect(await storedRow(eea.eventId)).toMatchObject({ region: "eea", rule_set: null, basis: null });
    const unknown = validBody();
    expect((await postFrom(undefined, unknown)).status).toBe(201);
    expect(await storedRow(unknown.eventId)).toMatchObject({ region: "eea" });
  });

  it("stores a UK visitor's rule set and basis, and shows them to staff", async () => {
    const body = validBody({ ruleSet: "uk", basis: NOT_OBJECTED });
    expect((await postFrom("GB", body)).status).toBe(201);
    expect(await storedRow(body.eventId)).toEqual({
      region: "uk",
      rule_set: "uk",
      basis: '{"analytics":"exception-not-objected","functionality":"consent","targeting":"consent"}',
      method: "custom",
      analytics: 1,
    });
    const answer = (await (
      await postFrom("GB", body, { ...UK_ON, RECEIPT_SIGNING_KEYS: LOCAL_RECEIPT_KEYS })
    ).json()) as ConsentReceipt;
    expect(answer.record.purposes[0]).toEqual({ id: "analytics", state: "not-objected" });
    expect(answer.choices.analytics).toBe(true);
    const verified = await verifyReceipt(answer, receiptKeys(LOCAL_RECEIPT_KEYS, false).published);
    expect(verified).toMatchObject({ valid: true });
    const found = await findEventByEventId(env.DB, body.eventId);
    expect(found).toMatchObject({ region: "uk", ruleSet: "uk", basis: NOT_OBJECTED });
  });

  it("records an objection as its own event, idempotently", async () => {
    const body = validBody({
      method: "object",
      choices: { analytics: false, functionality: false, targeting: false },
      ruleSet: "uk",
      basis: OBJECTED,
      source: "banner",
      trusted: true,
    });
    const first = await postFrom("GB", body, BOTH);
    expect(first.status).toBe(201);
    const receipt = (await first.json()) as ConsentReceipt;
    expect(receipt.method).toBe("object");
    // No consent was given or refused under the exception: the signed receipt says what happened.
    expect(receipt.record.rules).toEqual({ region: "uk", ruleSet: "uk" });
    expect(receipt.record.purposes).toEqual([
      { id: "analytics", state: "objected" },
      { id: "functionality", state: "refused" },
      { id: "targeting", state: "refused" },
    ]);
    const again = await postFrom("GB", body, BOTH);
    expect(again.status).toBe(200);
    expect(((await again.json()) as ConsentReceipt).record).toEqual(receipt.record);
    expect(await countEvents()).toBe(1);
    expect(await storedRow(body.eventId)).toMatchObject({ method: "object", analytics: 0, rule_set: "uk" });
    // The same event id with another basis is another choice, not a retry.
    const changed = await postFrom("GB", { ...body, basis: { ...OBJECTED, functionality: "objected" } }, BOTH);
    expect(changed.status).toBe(409);
  });

  it("stores a claimed rule set that contradicts the worker's lookup with the worker's, both visible", async () => {
    // A UK visitor's widget applied the exception; by the time of the post the worker sees an EEA
    // network (a VPN, a roaming phone). Refusing would lose what the widget did: both are kept.
    const moved = validBody({ ruleSet: "uk", basis: NOT_OBJECTED });
    expect((await postFrom("DE", moved)).status).toBe(201);
    expect(await storedRow(moved.eventId)).toMatchObject({ region: "eea", rule_set: "eea" });
    const found = await findEventByEventId(env.DB, moved.eventId);
    expect(found).toMatchObject({ region: "eea", ruleSet: "eea", claimedRuleSet: "uk", basis: NOT_OBJECTED });
    // The other way: an eea rule set where the worker sees uk is stored as uk, the claim beside it.
    const strict = validBody({ ruleSet: "eea", basis: ALL_CONSENT });
    expect((await postFrom("GB", strict)).status).toBe(201);
    expect(await findEventByEventId(env.DB, strict.eventId)).toMatchObject({ ruleSet: "uk", claimedRuleSet: "eea" });
    // A rule set that matches leaves nothing claimed.
    const same = validBody({ ruleSet: "uk", basis: NOT_OBJECTED });
    expect((await postFrom("GB", same)).status).toBe(201);
    expect(await findEventByEventId(env.DB, same.eventId)).toMatchObject({ ruleSet: "uk", claimedRuleSet: null });
  });

  it.each([
    [
      "an exception basis while the site has the exception off",
      "GB",
      {},
      { ruleSet: "uk", basis: NOT_OBJECTED },
      "basis.analytics",
      /analytics is not under the UK exception on this site \(UK_EXCEPTION\)/,
    ],
    [
      "functionality under the exception when the site has analytics only",
      "GB",
      UK_ON,
      { ruleSet: "uk", basis: { ...NOT_OBJECTED, functionality: "objected" } },
      "basis.functionality",
      /functionality is not under the UK exception on this site \(UK_EXCEPTION\)/,
    ],
    [
      "targeting under the exception",
      "GB",
      { UK_EXCEPTION: "analytics,functionality" },
      { ruleSet: "uk", basis: { ...NOT_OBJECTED, targeting: "objected" } },
      "basis.targeting",
      /targeting is never under an exception/,
    ],
    [
      "an exception basis under the eea rule set",
      "GB",
      UK_ON,
      { ruleSet: "eea", basis: NOT_OBJECTED },
      "basis.analytics",
      /must be consent under the eea rule set/,
    ],
    ["a basis without its rule set", "GB", UK_ON, { basis: ALL_CONSENT }, "ruleSet", /basis needs the ruleSet/],
    ["a rule set without its basis", "GB", UK_ON, { ruleSet: "eea" }, "basis", /ruleSet needs the basis/],
    [
      "an unknown basis",
      "GB",
      UK_ON,
      { ruleSet: "uk", basis: { ...NOT_OBJECTED, analytics: "legitimate-interest" } },
      "basis.analytics",
      /must be one of consent, exception-not-objected, objected/,
    ],
    [
      "an objected category left on",
      "GB",
      UK_ON,
      { ruleSet: "uk", basis: OBJECTED },
      "choices.analytics",
      /false for objected/,
    ],
    [
      "an objection naming no objected category",
      "GB",
      UK_ON,
      {
        method: "object",
        choices: { analytics: false, functionality: false, targeting: false },
        ruleSet: "uk",
        basis: ALL_CONSENT,
      },
      "basis",
      /object needs a basis with at least one category objected/,
    ],
    ["an unknown rule set", "GB", UK_ON, { ruleSet: "us", basis: ALL_CONSENT }, "ruleSet", /ruleSet must be one of/],
  ] as const)("refuses %s with a 400 naming the field", async (_name, country, vars, fields, field, message) => {
    const response = await postFrom(
      country,
      { ...validBody(), choices: { analytics: true, functionality: false, targeting: false }, ...fields },
      vars,
    );
    expect(response.status).toBe(400);
    const error = await errorOf(response);
    expect(error).toMatchObject({ code: "invalid_body", field });
    expect(error.message).toMatch(message);
    expect(await countEvents()).toBe(0);
  });

  it("uses DEV_FORCE_COUNTRY for the stored region on plain http, as GET /api/rules does", async () => {
    const body = validBody({ ruleSet: "uk", basis: NOT_OBJECTED });
    expect((await postFrom("DE", body, { ...UK_ON, DEV_FORCE_COUNTRY: "GB" })).status).toBe(201);
    expect(await storedRow(body.eventId)).toMatchObject({ region: "uk", rule_set: "uk" });
  });
});

describe("region, rule set and basis for staff", () => {
  beforeEach(freshLog);

  it("show in the record, the subject-access export and the CSV, null where not recorded", async () => {
    const consentId = crypto.randomUUID();
    const older = validBody({ consentId });
    expect((await postFrom("GB", older)).status).toBe(201);
    const objection = validBody({
      consentId,
      method: "object",
      choices: { analytics: false, functionality: false, targeting: false },
      ruleSet: "uk",
      basis: OBJECTED,
    });
    expect((await postFrom("GB", objection)).status).toBe(201);
    const stored = await findEventByEventId(env.DB, objection.eventId);

    const record = (await (await staffRequest(`/api/staff/events/${stored?.id}`)).json()) as StaffEventRecord;
    expect(record.event).toMatchObject({ method: "object", region: "uk", ruleSet: "uk", basis: OBJECTED });
    expect(record.history.map(({ region, ruleSet, basis }) => ({ region, ruleSet, basis }))).toEqual([
      { region: "uk", ruleSet: "uk", basis: OBJECTED },
      { region: "uk", ruleSet: null, basis: null },
    ]);
    const page = await (await staffRequest(`/staff/events/${stored?.id}`)).text();
    expect(page).toContain("UK: inform and object");
    expect(page).toContain("Analytical or performance cookies: UK exception, objected");

    const access = (await (await staffRequest(`/api/staff/consents/${consentId}`)).json()) as SubjectAccessExport;
    expect(access.events[0]).toMatchObject({ region: "uk", ruleSet: "uk", basis: OBJECTED });
    expect(access.explanation).toContain("basis per category");

    const csv = parseCsv(await (await staffRequest(`/api/staff/events.csv?consentId=${consentId}`)).text());
    const header = csv[0] ?? [];
    const cell = (row: string[] | undefined, name: string) => row?.[header.indexOf(name)];
    expect([cell(csv[1], "method"), cell(csv[1], "region"), cell(csv[1], "rule_set"), cell(csv[1], "basis")]).toEqual([
      "object",
      "uk",
      "uk",
      '{"analytics":"objected","functionality":"consent","targeting":"consent"}',
    ]);
    expect([cell(csv[2], "region"), cell(csv[2], "rule_set"), cell(csv[2], "basis")]).toEqual(["uk", "", ""]);
  });

  it("split the statistics by rule set, adding up to the totals, and follow the purge", async () => {
    const day = (iso: string) => ({ receivedAt: iso });
    await seed([
      newEvent({
        ...day("2026-11-01T10:00:00.000Z"),
        choices: { analytics: true, functionality: false, targeting: false },
      }),
      newEvent({ ...day("2026-11-01T11:00:00.000Z"), ruleSet: "eea", basis: ALL_CONSENT, region: "eea" }),
      newEvent({
        ...day("2026-11-02T10:00:00.000Z"),
        ruleSet: "uk",
        basis: NOT_OBJECTED,
        region: "uk",
        choices: { analytics: true, functionality: false, targeting: false },
      }),
      newEvent({
        ...day("2026-11-02T11:00:00.000Z"),
        method: "object",
        ruleSet: "uk",
        basis: OBJECTED,
        region: "uk",
        choices: { analytics: false, functionality: false, targeting: false },
      }),
    ]);
    const stats = (await (await staffRequest("/api/staff/stats?from=2026-11-01&to=2026-11-02")).json()) as StaffStats;
    expect(stats.byRuleSet.map(({ ruleSet, events, analytics }) => ({ ruleSet, events, analytics }))).toEqual([
      { ruleSet: "eea", events: 1, analytics: expect.any(Number) },
      { ruleSet: "none", events: 1, analytics: 1 },
      { ruleSet: "uk", events: 2, analytics: 1 },
    ]);
    for (const field of ["events", "analytics", "functionality", "targeting"] as const) {
      const total = stats.days.reduce((sum, entry) => sum + entry[field], 0);
      expect(stats.byRuleSet.reduce((sum, part) => sum + part[field], 0)).toBe(total);
    }
    const page = await (await staffRequest("/staff/stats?from=2026-11-01&to=2026-11-02")).text();
    expect(page).toContain("UK rules (inform and object)");
    // The retention purge takes the split's counts with the events (nothing chained here: seeded rows).
    await env.DB.prepare("DELETE FROM consent_events WHERE rule_set = 'uk'").run();
    const after = (await (await staffRequest("/api/staff/stats?from=2026-11-01&to=2026-11-02")).json()) as StaffStats;
    expect(after.byRuleSet.map((part) => part.ruleSet)).toEqual(["eea", "none"]);
  });
});

describe.each(["/privacy", "/cookies"])("%s says which rule applies to the reader", (path) => {
  const read = (country: string, vars: RulesVars, headers: Record<string, string> = {}) =>
    Promise.resolve(
      app.request(new Request(`http://127.0.0.1:8787${path}`, { headers, cf: { country } }), undefined, rulesEnv(vars)),
    );

  it("changes nothing with the exception off", async () => {
    const page = await read("GB", {});
    const text = await page.text();
    expect(text).not.toContain("Visitors from the UK");
    expect(text).not.toContain("outside the UK");
    expect(page.headers.get("Cache-Control")).toMatch(/^public/);
    expect(page.headers.get("ETag")).toMatch(/^"[0-9a-f]{16}"$/);
  });

  it("tells a UK reader the exception and an EEA reader opt-in, per reader, with the exception on", async () => {
    const uk = await read("GB", UK_ON);
    expect(await uk.text()).toContain(
      "Visitors from the UK: analytical or performance cookies are set unless you object",
    );
    expect(uk.headers.get("Cache-Control")).toMatch(/^private/);
    const eea = await read("DE", UK_ON);
    const eeaText = await eea.text();
    expect(eeaText).not.toContain("Visitors from the UK");
    expect(eeaText).toContain("no optional cookie is set without your consent");
    expect(eea.headers.get("ETag")).not.toBe(uk.headers.get("ETag"));
    // A revalidation from the other region gets the other page, not a 304.
    expect((await read("DE", UK_ON, { "If-None-Match": uk.headers.get("ETag") ?? "" })).status).toBe(200);
    expect((await read("GB", UK_ON, { "If-None-Match": uk.headers.get("ETag") ?? "" })).status).toBe(304);
  });
});
