/**
 * Staff search, records and exports through the public surface
 * (`app.request`): each filter, keyset pagination under concurrent inserts,
 * the record and subject-access export, the streamed CSV, statistics, and
 * hostile visitor values rendered as text.
 */
import { beforeEach, describe, expect, it, vi } from "vitest";
import type {
  StaffEvent,
  StaffEventPage,
  StaffEventRecord,
  StaffStats,
  SubjectAccessExport,
} from "../../shared/staff-api.ts";
import type { NewConsentEvent } from "../../worker/db/consent-events.ts";
import { EXPORT_BATCH } from "../../worker/db/consent-events.ts";
import { STATEMENT } from "../../worker/generated/privacy-statement.ts";
import { freshLog, newEvent, seed, seedRevision } from "./helpers.ts";
import { parseCsv, staffEnv, staffRequest, watchedDb } from "./staff-helpers.ts";

beforeEach(freshLog);

const OTHER_REVISION = "0123456789abcdef";

async function search(query: string): Promise<StaffEventPage> {
  const response = await staffRequest(`/api/staff/events${query}`);
  expect(response.status, query).toBe(200);
  return (await response.json()) as StaffEventPage;
}

async function allPages(query: string, limit: number): Promise<StaffEvent[]> {
  const events: StaffEvent[] = [];
  let cursor: string | null = null;
  do {
    const separator = query ? "&" : "?";
    const page: StaffEventPage = await search(
      `${query}${separator}limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`,
    );
    events.push(...page.events);
    cursor = page.nextCursor;
  } while (cursor);
  return events;
}

function day(n: number, hour = 12): string {
  return new Date(Date.UTC(2026, 9, n, hour)).toISOString();
}

describe("staff search filters", () => {
  const events: NewConsentEvent[] = [];
  beforeEach(async () => {
    await seedRevision(OTHER_REVISION);
    events.length = 0;
    const methods = ["accept_all", "reject_all", "custom", "withdraw"] as const;
    for (let i = 0; i < 40; i++) {
      const method = methods[i % 4] ?? "custom";
      const all = method === "accept_all" ? true : method === "reject_all" ? false : undefined;
      events.push(
        newEvent({
          receivedAt: day(1 + (i % 20), i % 24),
          method,
          choices: {
            analytics: all ?? i % 2 === 0,
            functionality: all ?? i % 3 === 0,
            targeting: all ?? i % 5 === 0,
          },
          revision: i % 7 === 0 ? OTHER_REVISION : STATEMENT.revision,
          pageUrl: i % 3 === 0 ? "https://www.opencontact.co.uk/pricing" : `http://localhost:8787/blog/${i % 2}`,
        }),
      );
    }
    await seed(events);
  });

  const cases: [string, (event: NewConsentEvent) => boolean][] = [
    ["?from=2026-10-05", (e) => e.receivedAt >= day(5, 0)],
    ["?to=2026-10-05", (e) => e.receivedAt < day(6, 0)],
    ["?from=2026-10-03&to=2026-10-04", (e) => e.receivedAt >= day(3, 0) && e.receivedAt < day(5, 0)],
    ["?analytics=granted", (e) => e.choices.analytics],
    ["?analytics=refused", (e) => !e.choices.analytics],
    ["?functionality=granted", (e) => e.choices.functionality],
    ["?targeting=refused", (e) => !e.choices.targeting],
    ["?method=withdraw", (e) => e.method === "withdraw"],
    ["?method=accept_all", (e) => e.method === "accept_all"],
    [`?revision=${OTHER_REVISION}`, (e) => e.revision === OTHER_REVISION],
    ["?path=/pricing", (e) => e.pageUrl.endsWith("/pricing")],
    ["?path=/blog/1", (e) => e.pageUrl === "http://localhost:8787/blog/1"],
    [
      "?method=custom&analytics=granted&targeting=refused&from=2026-10-02",
      (e) => e.method === "custom" && e.choices.analytics && !e.choices.targeting && e.receivedAt >= day(2, 0),
    ],
  ];

  for (const [query, matches] of cases) {
    it(`filters ${query}, newest first`, async () => {
      const expected = events
        .filter(matches)
        .sort((a, b) => (a.receivedAt < b.receivedAt ? 1 : a.receivedAt > b.receivedAt ? -1 : 0))
        .map((e) => e.eventId);
      expect(expected.length).toBeGreaterThan(0);
      const found = await allPages(query, 7);
      expect(found.map((e) => e.eventId)).toEqual(expected);
    });
  }

  it("finds a consent by its exact id, in any letter case", async () => {
    const target = events[5] as NewConsentEvent;
    const page = await search(`?consentId=${target.consentId.toUpperCase()}`);
    expect(page.events.map((e) => e.eventId)).toEqual([target.eventId]);
    expect(page.events[0]).toMatchObject({ userAgent: target.userAgent, ipPrefix: target.ipPrefix });
  });

  for (const [query, field] of [
    ["?consentId=not-a-uuid", "consentId"],
    ["?from=2026-13-01", "from"],
    ["?to=yesterday", "to"],
    ["?from=2026-10-05&to=2026-10-01", "to"],
    ["?method=maybe", "method"],
    ["?revision=XYZ", "revision"],
    ["?path=pricing", "path"],
    ["?analytics=yes", "analytics"],
    ["?cursor=!!!", "cursor"],
    ["?cursor=Zm9v", "cursor"],
    ["?limit=0", "limit"],
    ["?limit=501", "limit"],
  ] as const) {
    it(`refuses ${query} with a 400 naming ${field}`, async () => {
      const response = await staffRequest(`/api/staff/events${query}`);
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ error: { code: "bad_request", field } });
      if (field === "limit") return; // pages have a fixed size
      const page = await staffRequest(`/staff${query}`);
      expect(page.status).toBe(400);
      expect(page.headers.get("Content-Type")).toMatch(/text\/html/);
    });
  }
});

describe("parameter errors", () => {
  // Every malformed staff parameter, on the pages and in the JSON API.
  const cases: [path: string, field: string][] = [
    ["/api/staff/audit?before=abc", "before"],
    ["/api/staff/audit?before=0", "before"],
    ["/api/staff/audit?before=-3", "before"],
    ["/staff/audit?before=1.5", "before"],
    ["/api/staff/audit?limit=1000", "limit"],
    ["/api/staff/events?limit=ten", "limit"],
    ["/api/staff/events?cursor=!!!", "cursor"],
    ["/staff?method=custom&cursor=Zm9v", "cursor"],
    ["/staff?cursor=!!!", "cursor"],
    ["/api/staff/events?from=2026-02-30", "from"],
    ["/staff?to=2026-1-5", "to"],
    ["/api/staff/events.csv?from=tomorrow", "from"],
    ["/api/staff/events.csv?analytics=maybe", "analytics"],
    ["/api/staff/stats?to=2026-13-01", "to"],
    ["/staff/stats?from=yesterday", "from"],
    ["/api/staff/events/0", "id"],
    ["/staff/events/12ab", "id"],
    ["/api/staff/consents/not-a-uuid", "consentId"],
    ["/staff/consents/not-a-uuid", "consentId"],
  ];

  for (const [path, field] of cases) {
    it(`${path} is a 400 naming ${field}, before any read of the log`, async () => {
      const { db, sql } = watchedDb();
      const logged = vi.spyOn(console, "error");
      try {
        const response = await staffRequest(path, {}, staffEnv({ DB: db }));
        expect(response.status).toBe(400);
        if (path.startsWith("/api/")) {
          expect(await response.json()).toMatchObject({ error: { code: "bad_request", field } });
        } else {
          expect(response.headers.get("Content-Type")).toMatch(/text\/html/);
          expect(await response.text()).toContain(`${field} `);
        }
        // The guard's own credential check counts recent failures (worker/lib/auth/attempts.ts): not a log read.
        const logReads = sql.filter(
          (text) =>
            /consent_events|consent_daily|privacy_revisions|staff_audit/.test(text) && !text.includes("'auth_failure'"),
        );
        expect(logReads).toEqual([]);
        expect(logged).not.toHaveBeenCalled();
      } finally {
        logged.mockRestore();
      }
    });
  }
});

describe("keyset pagination", () => {
  it("is stable when events arrive between pages, and breaks timestamp ties by id", async () => {
    const same = "2026-10-10T10:00:00.000Z";
    const original = Array.from({ length: 120 }, (_, i) =>
      newEvent({ receivedAt: i % 3 === 0 ? same : day(1 + (i % 28)) }),
    );
    await seed(original);
    const first = await search("?limit=50");
    expect(first.events).toHaveLength(50);
    // New consents arrive while staff read page one.
    await seed(Array.from({ length: 30 }, () => newEvent({ receivedAt: new Date().toISOString() })));
    const rest: StaffEvent[] = [];
    let cursor = first.nextCursor;
    while (cursor) {
      const page = await search(`?limit=50&cursor=${cursor}`);
      rest.push(...page.events);
      cursor = page.nextCursor;
    }
    const seen = [...first.events, ...rest].map((e) => e.eventId);
    expect(new Set(seen).size).toBe(120);
    expect(seen.sort()).toEqual(original.map((e) => e.eventId).sort());
    const order = [...first.events, ...rest].map((e) => [e.receivedAt, e.id] as const);
    for (let i = 1; i < order.length; i++) {
      const [prevAt, prevId] = order[i - 1] as readonly [string, number];
      const [at, id] = order[i] as readonly [string, number];
      expect(prevAt > at || (prevAt === at && prevId > id)).toBe(true);
    }
  });

  it("pages the HTML search with Older events links", async () => {
    await seed(Array.from({ length: 60 }, (_, i) => newEvent({ receivedAt: day(1 + (i % 28)) })));
    const html = await (await staffRequest("/staff?method=custom")).text();
    const next = /href="(\/staff\?[^"]*cursor=[^"]+)" rel="next"/.exec(html)?.[1];
    expect(next).toBeDefined();
    const second = await staffRequest((next ?? "").replace(/&amp;/g, "&"));
    expect(second.status).toBe(200);
    expect(await second.text()).toContain("More results");
  });
});

describe("records and subject-access export", () => {
  it("shows every field of an event, the consent's history and the revision link", async () => {
    const consentId = crypto.randomUUID();
    const first = newEvent({
      consentId,
      receivedAt: day(1),
      method: "accept_all",
      choices: { analytics: true, functionality: true, targeting: true },
    });
    const second = newEvent({
      consentId,
      receivedAt: day(2),
      method: "withdraw",
      choices: { analytics: false, functionality: false, targeting: false },
      textsHash: "b".repeat(64),
    });
    await seed([first, second, newEvent()]);
    const lookup = await staffRequest(`/api/staff/events?consentId=${consentId}`);
    const [latest, older] = ((await lookup.json()) as StaffEventPage).events;

    const record = await staffRequest(`/api/staff/events/${older?.id}`);
    const body = (await record.json()) as StaffEventRecord;
    expect(body.event).toMatchObject({ ...first, id: older?.id });
    expect(body.history.map((e) => e.eventId)).toEqual([second.eventId, first.eventId]);

    const page = await staffRequest(`/staff/events/${older?.id}`);
    const html = await page.text();
    for (const value of [
      first.eventId,
      consentId,
      first.userAgent,
      first.pageUrl,
      first.ipPrefix ?? "",
      "GB",
      "en-GB",
      "0.1.0",
    ]) {
      expect(html).toContain(value);
    }
    expect(html).toContain(`href="/privacy/${first.revision}"`);
    expect(html).toContain(`href="/staff/events/${latest?.id}"`);
    expect(html).toContain(`href="/api/staff/consents/${consentId}?download=1"`);

    // Pasting the id alone goes straight to that visitor's history.
    const pasted = await staffRequest(`/staff?consentId=${consentId.toUpperCase()}`);
    expect(pasted.status).toBe(303);
    expect(pasted.headers.get("Location")).toBe(`/staff/consents/${consentId}`);
    const history = await (await staffRequest(`/staff/consents/${consentId}`)).text();
    expect(history).toContain(second.eventId);
    expect(history).toContain("b".repeat(64));
  });

  it("exports all records of one consent id as JSON, ready to send", async () => {
    const consentId = crypto.randomUUID();
    const events = [newEvent({ consentId, receivedAt: day(3) }), newEvent({ consentId, receivedAt: day(4) })];
    await seed([...events, newEvent()]);
    const response = await staffRequest(`/api/staff/consents/${consentId}?download=1`);
    expect(response.status).toBe(200);
    expect(response.headers.get("Content-Disposition")).toBe(`attachment; filename="consent-${consentId}.json"`);
    const body = (await response.json()) as SubjectAccessExport;
    expect(body.consentId).toBe(consentId);
    expect(body.controller).toBe("OpenContact Services Limited");
    expect(body.events.map((e) => e.eventId)).toEqual([events[1]?.eventId, events[0]?.eventId]);
    expect(body.events[0]).not.toHaveProperty("id");
    expect(body.events[0]?.privacyStatementUrl).toBe(`http://localhost/privacy/${STATEMENT.revision}`);
    expect(body.events[0]).toMatchObject({ userAgent: events[1]?.userAgent, ipPrefix: events[1]?.ipPrefix });
  });

  it("answers 404 for unknown ids and 400 for malformed ones", async () => {
    expect((await staffRequest("/api/staff/events/999")).status).toBe(404);
    expect((await staffRequest("/api/staff/events/abc")).status).toBe(400);
    expect((await staffRequest(`/api/staff/consents/${crypto.randomUUID()}`)).status).toBe(404);
    expect((await staffRequest("/api/staff/consents/xyz")).status).toBe(400);
    const page = await staffRequest(`/staff/consents/${crypto.randomUUID()}`);
    expect(page.status).toBe(404);
    expect(await page.text()).toContain("No consent is recorded");
    expect((await staffRequest("/staff/events/999")).status).toBe(404);
  });
});

describe("CSV export", () => {
  it("streams every matching row with RFC 4180 quoting and formula prefixes", async () => {
    const hostile = newEvent({
      receivedAt: day(9),
      userAgent: '=HYPERLINK("http://evil.example","x"), "quoted"\r\nnext line',
      language: "en-GB",
      pageUrl: "https://www.opencontact.co.uk/@home",
    });
    const events = [hostile, ...Array.from({ length: 25 }, (_, i) => newEvent({ receivedAt: day(1 + i) }))];
    await seed(events);
    const response = await staffRequest("/api/staff/events.csv");
    expect(response.status).toBe(200);
    expect(response.headers.get("Content-Type")).toMatch(/^text\/csv; charset=utf-8/);
    expect(response.headers.get("Content-Disposition")).toMatch(
      /^attachment; filename="consent-log-\d{4}-\d{2}-\d{2}\.csv"$/,
    );
    const text = await response.text();
    const rows = parseCsv(text);
    expect(rows[0]?.[0]).toBe("event_id");
    expect(rows).toHaveLength(27);
    const hostileRow = rows.find((row) => row[0] === hostile.eventId);
    expect(hostileRow?.[10]).toBe(`'${hostile.userAgent}`);
    for (const row of rows) for (const cell of row) expect(cell).not.toMatch(/^[=+\-@\t\r]/);

    const filtered = parseCsv(
      await (await staffRequest(`/api/staff/events.csv?consentId=${hostile.consentId}`)).text(),
    );
    expect(filtered).toHaveLength(2);
  });

  it("exports more rows than one batch, newest first, without repeats", async () => {
    const events = Array.from({ length: EXPORT_BATCH + 100 }, (_, i) =>
      newEvent({ receivedAt: new Date(Date.UTC(2026, 0, 1) + i * 60_000).toISOString() }),
    );
    await seed(events);
    const rows = parseCsv(await (await staffRequest("/api/staff/events.csv")).text()).slice(1);
    expect(rows).toHaveLength(EXPORT_BATCH + 100);
    expect(new Set(rows.map((row) => row[0])).size).toBe(EXPORT_BATCH + 100);
    expect(rows[0]?.[0]).toBe(events.at(-1)?.eventId);
  }, 60_000);
});

describe("statistics", () => {
  it("counts events per day and the share granting each category, empty days included", async () => {
    await seed([
      newEvent({
        receivedAt: "2026-10-01T08:00:00.000Z",
        method: "accept_all",
        choices: { analytics: true, functionality: true, targeting: true },
      }),
      newEvent({
        receivedAt: "2026-10-01T09:00:00.000Z",
        method: "reject_all",
        choices: { analytics: false, functionality: false, targeting: false },
      }),
      newEvent({
        receivedAt: "2026-10-03T23:59:59.999Z",
        choices: { analytics: true, functionality: false, targeting: false },
      }),
      newEvent({ receivedAt: "2026-10-04T00:00:00.000Z" }),
    ]);
    const response = await staffRequest("/api/staff/stats?from=2026-10-01&to=2026-10-03");
    const stats = (await response.json()) as StaffStats;
    expect(stats.days).toEqual([
      { day: "2026-10-01", events: 2, analytics: 1, functionality: 1, targeting: 1 },
      { day: "2026-10-02", events: 0, analytics: 0, functionality: 0, targeting: 0 },
      { day: "2026-10-03", events: 1, analytics: 1, functionality: 0, targeting: 0 },
    ]);
    const html = await (await staffRequest("/staff/stats?from=2026-10-01&to=2026-10-03")).text();
    expect(html).toMatch(/<svg[^>]*role="img"/);
    expect(html.match(/<rect class="bar"/g)).toHaveLength(3);
    expect(html).toContain('<th scope="row">2026-10-01</th><td>2</td><td>50.0%</td>');
    expect(html).toContain("3 events from 2026-10-01 to 2026-10-03");
  });

  it("refuses a reversed or overlong period", async () => {
    expect((await staffRequest("/api/staff/stats?from=2026-10-05&to=2026-10-01")).status).toBe(400);
    expect((await staffRequest("/api/staff/stats?from=2020-01-01&to=2026-10-01")).status).toBe(400);
    expect((await staffRequest("/staff/stats?from=nope")).status).toBe(400);
  });
});

describe("visitor values are text, never markup", () => {
  it("escapes hostile user agents, page URLs and languages on every page", async () => {
    const consentId = crypto.randomUUID();
    const hostile = newEvent({
      consentId,
      userAgent: '<img src=x onerror="alert(1)"><script>alert(2)</script>',
      pageUrl: 'javascript:alert(3)//"><svg onload=alert(4)>',
      language: "<b>en</b>",
    });
    await seed([hostile]);
    for (const path of ["/staff?method=custom", `/staff/consents/${consentId}`, "/staff/events/1"]) {
      const html = await (await staffRequest(path)).text();
      expect(html, path).not.toMatch(/<img|<script|<svg onload|<b>en/i);
      expect(html, path).not.toMatch(/href="javascript:/i);
      expect(html, path).toContain("&lt;svg onload=alert(4)&gt;");
      if (path !== "/staff?method=custom") expect(html, path).toContain("&lt;img src=x onerror=");
    }
  });
});
