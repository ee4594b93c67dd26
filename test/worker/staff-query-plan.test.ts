/**
 * Speed at volume, proved on the real schema: `EXPLAIN QUERY PLAN` for a
 * consent-id lookup, the first page of every supported filter (alone and
 * combined), later pages, and the statistics query. Each must read through an
 * index that already yields newest-first order: no table scan, no sort of
 * every match into a temporary B-tree. Statistics read the daily counts.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { DAILY_STATS_SQL, type EventFilter, searchEventsSql } from "../../worker/db/staff-queries.ts";

async function plan(sql: string, params: unknown[]): Promise<string[]> {
  const { results } = await env.DB.prepare(`EXPLAIN QUERY PLAN ${sql}`)
    .bind(...params)
    .all<{ detail: string }>();
  return results.map((row) => row.detail);
}

function expectIndexed(details: string[]) {
  const text = details.join(" | ");
  expect(text).toMatch(/consent_events USING (COVERING )?INDEX|consent_events USING INTEGER PRIMARY KEY/);
  for (const detail of details) {
    if (/consent_events/.test(detail)) expect(detail, text).toMatch(/USING (COVERING )?INDEX|INTEGER PRIMARY KEY/);
  }
  expect(text).not.toMatch(/TEMP B-TREE/);
}

const CONSENT = "3f1c2b9a-8d7e-4c6b-9a5f-0e1d2c3b4a59";
const FROM = "2026-08-01T00:00:00.000Z";
const TO = "2026-11-01T00:00:00.000Z";

const SHAPES: [string, EventFilter][] = [
  ["no filter", {}],
  ["consent id", { consentId: CONSENT }],
  ["date range", { from: FROM, to: TO }],
  ["from only", { from: FROM }],
  ["analytics granted", { analytics: true }],
  ["functionality refused", { functionality: false }],
  ["targeting granted", { targeting: true }],
  ["method", { method: "withdraw" }],
  ["revision", { revision: "0123456789abcdef" }],
  ["page path", { path: "/pricing" }],
  ["category and date range", { analytics: false, from: FROM, to: TO }],
  ["method and date range", { method: "custom", from: FROM }],
  ["path and date range", { path: "/pricing", from: FROM, to: TO }],
  ["method, revision and category", { method: "custom", revision: "0123456789abcdef", targeting: true }],
  ["consent id and method", { consentId: CONSENT, method: "withdraw" }],
];

describe("query plans", () => {
  for (const [name, filter] of SHAPES) {
    it(`first and later pages by ${name} read an index in order`, async () => {
      const first = searchEventsSql(filter, 51);
      expectIndexed(await plan(first.sql, first.params));
      const later = searchEventsSql(filter, 51, { receivedAt: "2026-10-01T12:00:00.000Z", id: 1234 });
      expectIndexed(await plan(later.sql, later.params));
    });
  }

  it("statistics for a period read the daily counts by their key, never the events", async () => {
    const details = await plan(DAILY_STATS_SQL, [FROM.slice(0, 10), TO.slice(0, 10)]);
    const text = details.join(" | ");
    expect(text).toMatch(/SEARCH consent_daily USING PRIMARY KEY/);
    expect(text).not.toMatch(/consent_events|TEMP B-TREE/);
  });

  it("a consent-id lookup uses the consent index", async () => {
    const lookup = searchEventsSql({ consentId: CONSENT }, 51);
    expect((await plan(lookup.sql, lookup.params)).join(" | ")).toMatch(/INDEX consent_events_by_consent/);
  });
});
