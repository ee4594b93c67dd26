/**
 * A post from a site missing from ALLOWED_ORIGINS is a configuration error
 * staff must see: the worker logs the origin (and nothing else of the
 * request), counts it per UTC day behind the rate limit and a per-day cap,
 * shows the counts on the statistics page and purges them with the events.
 */
import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { REFUSED_ORIGINS_PER_DAY } from "../../worker/db/refused-origins.ts";
import worker from "../../worker/index.ts";
import { countEvents, freshLog, postConsent, validBody } from "./helpers.ts";
import { staffRequest } from "./staff-helpers.ts";

beforeEach(freshLog);
afterEach(() => {
  vi.restoreAllMocks();
});

const WWW = "https://www.opencontact.co.uk";

interface CountRow {
  day: string;
  origin: string;
  refusals: number;
}

async function counts(): Promise<CountRow[]> {
  const { results } = await env.DB.prepare("SELECT * FROM refused_origins ORDER BY day, origin").all<CountRow>();
  return results;
}

const today = () => new Date().toISOString().slice(0, 10);

describe("refused origins are logged and counted", () => {
  it("logs one line naming only the origin and counts each refusal per day", async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const ip = "203.0.113.77";
    for (let i = 0; i < 3; i++) {
      const response = await postConsent(validBody({ pageUrl: `${WWW}/pricing?email=a@b.example` }), {
        origin: WWW,
        ip,
      });
      expect(response.status).toBe(403);
    }
    expect(await counts()).toEqual([{ day: today(), origin: WWW, refusals: 3 }]);
    expect(await countEvents()).toBe(0);
    expect(warn).toHaveBeenCalledTimes(3);
    const line = String(warn.mock.calls[0]?.[0]);
    expect(line).toContain(WWW);
    expect(line).toContain("ALLOWED_ORIGINS");
    // No address, path, query or body in the log.
    for (const secret of ["203.0.113", "/pricing", "a@b.example", "consentId"]) expect(line).not.toContain(secret);
  });

  it("counts nothing for a missing Origin or one that names no site", async () => {
    vi.spyOn(console, "warn").mockImplementation(() => {});
    for (const origin of [null, "null", "file://", `${WWW}/`, "not an origin", `https://${"a".repeat(400)}.example`]) {
      expect((await postConsent(validBody(), { origin })).status).toBe(403);
    }
    expect(await counts()).toEqual([]);
  });

  it("checks the rate limit before counting: a flood from one client counts at most the limit", async () => {
    vi.spyOn(console, "warn").mockImplementation(() => {});
    const statuses: number[] = [];
    for (let i = 0; i < 70; i++) {
      const origin = `https://made-up-${i}.example`;
      statuses.push((await postConsent(validBody(), { origin, ip: `198.51.100.${i}` })).status);
    }
    expect(statuses.filter((status) => status === 403)).toHaveLength(60);
    expect(statuses.slice(60).every((status) => status === 429)).toBe(true);
    expect(await counts()).toHaveLength(60);
  });

  it(`counts at most ${REFUSED_ORIGINS_PER_DAY} distinct origins a day, while those already counted still grow`, async () => {
    vi.spyOn(console, "warn").mockImplementation(() => {});
    const day = today();
    const seeded = Array.from({ length: REFUSED_ORIGINS_PER_DAY }, (_, i) =>
      env.DB.prepare("INSERT INTO refused_origins (day, origin, refusals) VALUES (?, ?, 1)").bind(
        day,
        `https://seeded-${i}.example`,
      ),
    );
    await env.DB.batch(seeded);
    expect((await postConsent(validBody(), { origin: "https://one-too-many.example" })).status).toBe(403);
    expect((await postConsent(validBody(), { origin: "https://seeded-7.example" })).status).toBe(403);
    const rows = await counts();
    expect(rows).toHaveLength(REFUSED_ORIGINS_PER_DAY);
    expect(rows.find((row) => row.origin === "https://seeded-7.example")?.refusals).toBe(2);
  });

  it("still answers 403, not 503, when the count cannot be written", async () => {
    vi.spyOn(console, "warn").mockImplementation(() => {});
    vi.spyOn(console, "error").mockImplementation(() => {});
    const failing = new Proxy(env.DB, {
      get(target, property, receiver) {
        if (property === "prepare")
          return () => {
            throw new Error("D1_ERROR: unavailable");
          };
        const value = Reflect.get(target, property, receiver);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    const response = await postConsent(validBody(), { origin: WWW, testEnv: { ...env, DB: failing } });
    expect(response.status).toBe(403);
  });
});

describe("refused origins on the statistics page", () => {
  it("lists each refused origin with its count for the period", async () => {
    await env.DB.batch(
      [
        ["2026-10-01", WWW, 4],
        ["2026-10-02", WWW, 3],
        ["2026-10-02", "https://shop.example", 1],
        ["2026-09-01", "https://outside-the-period.example", 9],
      ].map(([day, origin, refusals]) =>
        env.DB.prepare("INSERT INTO refused_origins (day, origin, refusals) VALUES (?, ?, ?)").bind(
          day,
          origin,
          refusals,
        ),
      ),
    );
    const html = await (await staffRequest("/staff/stats?from=2026-10-01&to=2026-10-03")).text();
    expect(html).toContain("Origins refused");
    expect(html).toMatch(new RegExp(`${WWW.replaceAll(".", "\\.")}</th><td>7</td>`));
    expect(html).toMatch(/https:\/\/shop\.example<\/th><td>1<\/td>/);
    expect(html).not.toContain("outside-the-period");
  });

  it("says when no site was refused", async () => {
    const html = await (await staffRequest("/staff/stats?from=2026-10-01&to=2026-10-03")).text();
    expect(html).toContain("No site was refused in this period.");
  });
});

describe("the retention purge bounds refused-origin counts", () => {
  it("deletes days older than RETENTION_DAYS and keeps younger ones", async () => {
    const now = Date.UTC(2026, 10, 27, 3, 17);
    const dayAgo = (days: number) => new Date(now - days * 86_400_000).toISOString().slice(0, 10);
    await env.DB.batch(
      [800, 731, 729, 1].map((days) =>
        env.DB.prepare("INSERT INTO refused_origins (day, origin, refusals) VALUES (?, ?, 1)").bind(dayAgo(days), WWW),
      ),
    );
    const ctx = createExecutionContext();
    vi.spyOn(console, "log").mockImplementation(() => {});
    await worker.scheduled(createScheduledController({ scheduledTime: now, cron: "17 3 * * *" }), env, ctx);
    await waitOnExecutionContext(ctx);
    expect((await counts()).map((row) => row.day)).toEqual([dayAgo(729), dayAgo(1)]);
  });
});
