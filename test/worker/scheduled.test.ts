/**
 * The daily retention purge, run through the worker's real `scheduled`
 * handler in workerd: events past RETENTION_DAYS and audit rows past
 * AUDIT_RETENTION_DAYS go, in batches; younger rows stay; each purge is
 * recorded in the audit.
 */
import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it, vi } from "vitest";
import {
  chainFieldsOf,
  insertEventStatement,
  type NewConsentEvent,
  recordEvent,
} from "../../worker/db/consent-events.ts";
import { chainBatches, listCheckpoints, readChainHead } from "../../worker/db/log-chain.ts";
import worker from "../../worker/index.ts";
import { recordCurrentRevision } from "../../worker/lib/current-revision.ts";
import { type ChainRow, checkpointSigner, eventHash, verifyChain } from "../../worker/lib/log-chain.ts";
import { PURGE_BATCH, retentionDays } from "../../worker/scheduled.ts";
import { freshLog } from "./helpers.ts";
import { auditRows, newEvent, seed } from "./staff-helpers.ts";

beforeEach(freshLog);

const NOW = Date.UTC(2026, 10, 27, 3, 17);
const DAY = 86_400_000;
const daysAgo = (days: number) => new Date(NOW - days * DAY).toISOString();

async function runCron(testEnv: Env = env) {
  const controller = createScheduledController({ scheduledTime: NOW, cron: "17 3 * * *" });
  const ctx = createExecutionContext();
  await worker.scheduled(controller, testEnv, ctx);
  await waitOnExecutionContext(ctx);
}

async function count(table: string): Promise<number> {
  return (await env.DB.prepare(`SELECT COUNT(*) AS n FROM ${table}`).first<{ n: number }>())?.n ?? 0;
}

async function addAudit(at: string) {
  await env.DB.prepare(
    "INSERT INTO staff_audit (at, actor, via, action, query, row_count) VALUES (?, 'alice', 'token', 'search', '{}', 1)",
  )
    .bind(at)
    .run();
}

describe("retention purge", () => {
  it("deletes events older than RETENTION_DAYS (default 730) in batches and records it", async () => {
    const old = Array.from({ length: PURGE_BATCH * 2 + 150 }, (_, i) =>
      newEvent({ receivedAt: daysAgo(731 + (i % 50)) }),
    );
    const kept = [newEvent({ receivedAt: daysAgo(729) }), newEvent({ receivedAt: daysAgo(1) })];
    await seed([...old, ...kept]);
    await runCron();
    const { results } = await env.DB.prepare("SELECT event_id FROM consent_events").all<{ event_id: string }>();
    expect(results.map((row) => row.event_id).sort()).toEqual(kept.map((event) => event.eventId).sort());
    const purges = (await auditRows()).filter((row) => row.action === "purge");
    expect(purges).toHaveLength(2);
    expect(purges[0]).toMatchObject({ actor: "cron", via: "cron", row_count: old.length });
    expect(JSON.parse(purges[0]?.query ?? "{}")).toEqual({
      table: "consent_events",
      before: daysAgo(730),
      retentionDays: 730,
      backlogRemains: false,
    });
    expect(purges[1]).toMatchObject({ row_count: 0 });
    // A second run finds nothing more to remove.
    await runCron();
    expect(await count("consent_events")).toBe(2);
  });

  it("follows RETENTION_DAYS and AUDIT_RETENTION_DAYS, never purging audit rows under 90 days", async () => {
    await seed([newEvent({ receivedAt: daysAgo(31) }), newEvent({ receivedAt: daysAgo(29) })]);
    await addAudit(daysAgo(400));
    await addAudit(daysAgo(120));
    await addAudit(daysAgo(60));
    await runCron({ ...env, RETENTION_DAYS: "30", AUDIT_RETENTION_DAYS: "10" });
    expect(await count("consent_events")).toBe(1);
    const rows = await auditRows();
    // 10 days is raised to the 90-day floor: the 400- and 120-day rows go, the 60-day row stays.
    expect(rows.filter((row) => row.action === "search")).toHaveLength(1);
    const purge = rows.filter((row) => row.action === "purge").map((row) => JSON.parse(row.query));
    expect(purge[1]).toMatchObject({ table: "staff_audit", retentionDays: 90, before: daysAgo(90) });
    expect(rows.find((row) => row.query.includes("staff_audit"))?.row_count).toBe(2);
  });

  it("reads retention settings defensively", () => {
    expect(retentionDays(undefined, 730)).toBe(730);
    expect(retentionDays("", 730)).toBe(730);
    expect(retentionDays("365", 730)).toBe(365);
    expect(retentionDays("abc", 730)).toBe(730);
    expect(retentionDays("-5", 730)).toBe(730);
    expect(retentionDays("1.5", 730)).toBe(730);
    expect(retentionDays("10", 730, 90)).toBe(90);
  });

  it("keeps privacy revisions the purged events referred to", async () => {
    await seed([newEvent({ receivedAt: daysAgo(800) })]);
    await runCron();
    expect(await count("consent_events")).toBe(0);
    expect(await count("privacy_revisions")).toBe(1);
  });
});

describe("daily counts", () => {
  it("stay equal to the events they count through inserts, repeats and purges", async () => {
    const events = Array.from({ length: 300 }, (_, i) =>
      newEvent({
        receivedAt: daysAgo(700 + (i % 60)),
        choices: { analytics: i % 2 === 0, functionality: i % 3 === 0, targeting: i % 5 === 0 },
      }),
    );
    await seed(events);
    await seed(events.slice(0, 20)); // repeats are not inserted and not counted
    const truth = `SELECT substr(received_at, 1, 10) AS day, count(*) AS events, sum(analytics) AS analytics,
      sum(functionality) AS functionality, sum(targeting) AS targeting FROM consent_events GROUP BY day ORDER BY day`;
    const daily = "SELECT * FROM consent_daily ORDER BY day";
    expect((await env.DB.prepare(daily).all()).results).toEqual((await env.DB.prepare(truth).all()).results);
    await runCron();
    expect(await count("consent_events")).toBeGreaterThan(0);
    expect((await env.DB.prepare(daily).all()).results).toEqual((await env.DB.prepare(truth).all()).results);
  });
});

/** The public local key of .dev.vars.example. */
const CHECKPOINT_KEY = "b3BlbmNvbnRhY3QtbG9jYWwtY2hlY2twb2ludC1rZXk=";
const keyed = { ...env, CHECKPOINT_KEY };
const signer = await checkpointSigner(CHECKPOINT_KEY);

/** Appends events to the chain in order, many per batch (the route appends one at a time). */
async function seedChain(events: NewConsentEvent[]): Promise<void> {
  let head = await readChainHead(env.DB);
  const statements = [recordCurrentRevision(env.DB, "2026-01-01T00:00:00.000Z")];
  for (const event of events) {
    const seq = head.seq + 1;
    const hash = await eventHash(chainFieldsOf(event, seq, head.hash));
    statements.push(insertEventStatement(env.DB, event, { seq, prevHash: head.hash, hash }));
    head = { seq, hash };
  }
  for (let i = 0; i < statements.length; i += 500) await env.DB.batch(statements.slice(i, i + 500));
}

async function verify() {
  const rows: ChainRow[][] = [];
  for await (const batch of chainBatches(env.DB, 0)) rows.push(batch);
  return verifyChain({ rows, checkpoints: await listCheckpoints(env.DB), publicKey: signer.publicKey });
}

describe("the hash chain across the daily run", () => {
  it("purges chained events from the front in batches, each with a signed cut, and stays verifiable", async () => {
    const old = Array.from({ length: PURGE_BATCH + 200 }, (_, i) => newEvent({ receivedAt: daysAgo(800 - (i % 3)) }));
    const kept = [newEvent({ receivedAt: daysAgo(10) }), newEvent({ receivedAt: daysAgo(1) })];
    await seedChain([...old, ...kept]);
    await runCron(keyed);
    const { results } = await env.DB.prepare("SELECT event_id, seq FROM consent_events ORDER BY seq").all();
    expect(results).toEqual(kept.map((event, index) => ({ event_id: event.eventId, seq: old.length + index + 1 })));
    const checkpoints = await listCheckpoints(env.DB);
    // One cut per purge batch, then the day's checkpoint of the head.
    expect(checkpoints.map(({ kind, seq }) => ({ kind, seq }))).toEqual([
      { kind: "cut", seq: PURGE_BATCH },
      { kind: "cut", seq: old.length },
      { kind: "daily", seq: old.length + 2 },
    ]);
    expect(await verify()).toMatchObject({ valid: true, events: 2, fromSeq: old.length, headSeq: old.length + 2 });
    const purge = (await auditRows()).find((row) => row.action === "purge");
    expect(purge?.row_count).toBe(old.length);
  });

  it("stops at the first event still within retention, so the chain keeps no hole", async () => {
    await seedChain([
      newEvent({ receivedAt: daysAgo(800) }),
      newEvent({ receivedAt: daysAgo(5) }),
      newEvent({ receivedAt: daysAgo(800) }),
    ]);
    await runCron(keyed);
    const { results } = await env.DB.prepare("SELECT seq FROM consent_events ORDER BY seq").all();
    expect(results).toEqual([{ seq: 2 }, { seq: 3 }]);
    expect(await verify()).toMatchObject({ valid: true, fromSeq: 1, headSeq: 3 });
  });

  it("continues the chain from the cut when the purge removed every chained event", async () => {
    await seedChain([newEvent({ receivedAt: daysAgo(900) }), newEvent({ receivedAt: daysAgo(800) })]);
    const cutHash = (await readChainHead(env.DB)).hash;
    await runCron(keyed);
    expect(await verify()).toMatchObject({ valid: true, events: 0, fromSeq: 2, headSeq: 2, headHash: cutHash });
    const next = await recordEvent(env.DB, newEvent(), [recordCurrentRevision(env.DB, daysAgo(0))]);
    expect(next.record).toMatchObject({ seq: 3 });
    const [row] = (await env.DB.prepare("SELECT prev_hash FROM consent_events WHERE seq = 3").all()).results;
    expect(row).toEqual({ prev_hash: cutHash });
    expect(await verify()).toMatchObject({ valid: true, events: 1, headSeq: 3 });
  });

  it("signs a daily checkpoint of the head, even of an empty log", async () => {
    await runCron(keyed);
    await seedChain([newEvent({ receivedAt: daysAgo(1) })]);
    await runCron(keyed);
    const checkpoints = await listCheckpoints(env.DB);
    expect(checkpoints.map(({ kind, seq }) => ({ kind, seq }))).toEqual([
      { kind: "daily", seq: 0 },
      { kind: "daily", seq: 1 },
    ]);
    expect(await verify()).toMatchObject({ valid: true, checkpoints: 2, lastCheckpoint: checkpoints[1] });
  });

  it("without CHECKPOINT_KEY keeps chained events, says what to set once, and still purges the rest", async () => {
    const logged = vi.spyOn(console, "error").mockImplementation(() => {});
    try {
      await seedChain([newEvent({ receivedAt: daysAgo(800) })]);
      await seed([newEvent({ receivedAt: daysAgo(800) })]);
      await runCron({ ...env, CHECKPOINT_KEY: "" });
      expect(await count("consent_events")).toBe(1);
      expect(await count("log_checkpoints")).toBe(0);
      expect(logged.mock.calls.map((call) => call.join(" "))).toEqual([
        expect.stringMatching(/^CHECKPOINT_KEY must be 32 random bytes in base64 .*chained events are not purged/),
      ]);
      const purge = (await auditRows()).find((row) => row.action === "purge");
      expect(JSON.parse(purge?.query ?? "{}")).toMatchObject({ backlogRemains: true });
    } finally {
      logged.mockRestore();
    }
  });
});
