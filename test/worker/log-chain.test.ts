/**
 * The tamper-evident consent log (issue 13), in workerd against the real
 * local D1: concurrent posts append one unbroken chain, a writer that lost
 * the race to another isolate retries instead of forking, and every kind of
 * tampering (a changed byte in any column, a removed, moved or foreign row,
 * a rewritten or truncated tail) is found and located by the staff check.
 */
import { applyD1Migrations, reset } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import type { StaffCheckpointFile, StaffLogIntegrity } from "../../shared/staff-api.ts";
import {
  type ConsentEventRow,
  chainFieldsOf,
  insertEventStatement,
  type NewConsentEvent,
  recordEvent,
} from "../../worker/db/consent-events.ts";
import { chainBatches, listCheckpoints, readChainHead } from "../../worker/db/log-chain.ts";
import { recordCurrentRevision } from "../../worker/lib/current-revision.ts";
import {
  type ChainRow,
  canonicalEvent,
  checkpointSignedBy,
  checkpointSigner,
  eventHash,
  GENESIS_HASH,
  verifyChain,
} from "../../worker/lib/log-chain.ts";
import { storeDailyCheckpoint } from "../../worker/scheduled.ts";
import { freshLog, newEvent, postConsent, seed, validBody } from "./helpers.ts";
import { auditRows, staffEnv, staffRequest } from "./staff-helpers.ts";

beforeEach(freshLog);

/** The public local key of .dev.vars.example. */
const KEY = "b3BlbmNvbnRhY3QtbG9jYWwtY2hlY2twb2ludC1rZXk=";
const signer = await checkpointSigner(KEY);

async function rows(): Promise<ChainRow[]> {
  const all: ChainRow[] = [];
  for await (const batch of chainBatches(env.DB, 0)) all.push(...batch);
  return all;
}

async function check(): Promise<StaffLogIntegrity> {
  const response = await staffRequest("/api/staff/log-integrity", {}, staffEnv({ CHECKPOINT_KEY: KEY }));
  expect(response.status).toBe(200);
  return (await response.json()) as StaffLogIntegrity;
}

/** Writes straight to the table, as someone with database access could. */
async function tamper(sql: string, ...params: unknown[]): Promise<void> {
  await env.DB.batch([env.DB.prepare("DROP TRIGGER consent_events_append_only"), env.DB.prepare(sql).bind(...params)]);
}

async function appendAll(count: number): Promise<NewConsentEvent[]> {
  const events = Array.from({ length: count }, () => newEvent());
  for (const event of events) {
    const revision = recordCurrentRevision(env.DB, "2026-01-01T00:00:00.000Z");
    expect((await recordEvent(env.DB, event, [revision])).outcome).toBe("created");
  }
  return events;
}

describe("appending", () => {
  it("gives concurrent posts one unbroken chain of the right length", async () => {
    const bodies = Array.from({ length: 120 }, () => validBody());
    const responses = await Promise.all(bodies.map((body) => postConsent(body)));
    expect(responses.map((response) => response.status)).toEqual(bodies.map(() => 201));
    // Repeats in flight with new events change nothing in the chain.
    const again = await Promise.all([
      ...bodies.slice(0, 20).map((body) => postConsent(body)),
      ...Array.from({ length: 20 }, () => postConsent(validBody())),
    ]);
    expect(again.map((response) => response.status)).toEqual([
      ...bodies.slice(0, 20).map(() => 200),
      ...bodies.slice(0, 20).map(() => 201),
    ]);
    const chain = await rows();
    expect(chain.map((row) => row.seq)).toEqual(Array.from({ length: 140 }, (_, index) => index + 1));
    expect(chain[0]?.prev_hash).toBe(GENESIS_HASH);
    const report = await check();
    expect(report).toMatchObject({ valid: true, events: 140, fromSeq: 0, headSeq: 140, firstProblem: null });
    expect(report.headHash).toBe(chain.at(-1)?.hash);
  });

  it("retries when another isolate appended first, and never forks", async () => {
    await appendAll(2);
    const rival = newEvent();
    const mine = newEvent();
    let raced = false;
    // Another isolate's append lands between this isolate's view of the head and its batch.
    const db = new Proxy(env.DB, {
      get(target, property) {
        if (property === "batch") {
          return async (statements: D1PreparedStatement[]) => {
            if (!raced) {
              raced = true;
              const head = await readChainHead(target);
              const hash = await eventHash(chainFieldsOf(rival, head.seq + 1, head.hash));
              await insertEventStatement(target, rival, { seq: head.seq + 1, prevHash: head.hash, hash }).run();
            }
            return target.batch(statements);
          };
        }
        const value = Reflect.get(target, property);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    const outcome = await recordEvent(db, mine);
    expect(outcome.outcome).toBe("created");
    expect(outcome.record).toMatchObject({ seq: 4 });
    expect((await rows()).map((row) => [row.seq, row.event_id])).toEqual([
      [1, expect.any(String)],
      [2, expect.any(String)],
      [3, rival.eventId],
      [4, mine.eventId],
    ]);
    expect((await check()).valid).toBe(true);
  });

  it("refuses an append whose prev_hash is not the head's, and a second event at one position", async () => {
    await appendAll(3);
    const stale = newEvent();
    const hash = await eventHash(chainFieldsOf(stale, 3, GENESIS_HASH));
    const { results } = await insertEventStatement(env.DB, stale, { seq: 3, prevHash: GENESIS_HASH, hash }).all();
    expect(results).toEqual([]);
    await expect(
      env.DB.prepare(
        `INSERT INTO consent_events (event_id, consent_id, received_at, method, analytics, functionality, targeting,
           revision, page_url, user_agent, language, gpc, widget_version, seq, prev_hash, hash)
         SELECT ?, consent_id, received_at, method, 0, 0, 0, revision, page_url, user_agent, language, 0,
           widget_version, 3, prev_hash, hash FROM consent_events WHERE seq = 3`,
      )
        .bind(crypto.randomUUID())
        .run(),
    ).rejects.toThrow(/UNIQUE/);
    expect((await rows()).length).toBe(3);
  });

  it("hashes the documented canonical serialisation", async () => {
    const [event] = await appendAll(1);
    const [row] = await rows();
    expect(row && canonicalEvent(row)).toBe(
      JSON.stringify([
        GENESIS_HASH,
        1,
        event?.eventId,
        event?.consentId,
        event?.receivedAt,
        "custom",
        1,
        0,
        0,
        event?.revision,
        null,
        "https://www.opencontact.co.uk/pricing",
        "Mozilla/5.0 (X11; Linux x86_64) TestBrowser/1.0",
        "203.0.113.0/24",
        "GB",
        "en-GB",
        0,
        event?.widgetVersion,
      ]),
    );
    const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(canonicalEvent(row as ChainRow)));
    expect(row?.hash).toBe([...new Uint8Array(digest)].map((byte) => byte.toString(16).padStart(2, "0")).join(""));
  });
});

/** Columns covered by the hash, each with a one-byte change that keeps the row valid for the schema. */
const EDITS: [column: string, sql: string][] = [
  ["event_id", "substr(event_id, 1, 35) || CASE substr(event_id, 36) WHEN 'a' THEN 'b' ELSE 'a' END"],
  ["consent_id", "substr(consent_id, 1, 35) || CASE substr(consent_id, 36) WHEN 'a' THEN 'b' ELSE 'a' END"],
  ["received_at", "replace(received_at, 'Z', '1Z')"],
  ["method", "'reject_all'"],
  ["analytics", "1 - analytics"],
  ["functionality", "1 - functionality"],
  ["targeting", "1 - targeting"],
  ["texts_hash", "'0000000000000000000000000000000000000000000000000000000000000000'"],
  ["page_url", "page_url || 'x'"],
  ["user_agent", "user_agent || ' '"],
  ["ip_prefix", "'203.0.114.0/24'"],
  ["country", "'FR'"],
  ["language", "'en-US'"],
  ["gpc", "1 - gpc"],
  ["widget_version", "widget_version || '1'"],
  ["seq", "seq + 1000"],
  // The first hex digit changed, never left as it was (a hash starting with 1 would make '1' || … a no-op).
  ["prev_hash", "CASE substr(prev_hash, 1, 1) WHEN '1' THEN '2' ELSE '1' END || substr(prev_hash, 2)"],
  ["hash", "CASE substr(hash, 1, 1) WHEN '1' THEN '2' ELSE '1' END || substr(hash, 2)"],
  // Not recorded (NULL) in these rows: giving one a value after the fact is an edit too.
  ["privacy_url", "'https://www.opencontact.co.uk/privacy'"],
  ["source", "'banner'"],
  ["trusted", "1"],
  // rule_set and basis come in pairs (the table's CHECK): below, on events that have them.
  ["region", "'uk'"],
];

describe("columns added after the chain began (privacy_url, source, trusted)", () => {
  it("leave the hashes of rows without them as they were, and are covered where recorded", async () => {
    const [before] = await appendAll(1);
    const recorded = newEvent({ source: "placeholder", trusted: true, privacyUrl: "https://shop.example/priv\u00e9" });
    expect((await recordEvent(env.DB, recorded, [recordCurrentRevision(env.DB, recorded.receivedAt)])).outcome).toBe(
      "created",
    );
    const [old, fresh] = await rows();
    // 18 elements, exactly as before the columns existed.
    expect(JSON.parse(canonicalEvent(old as ChainRow))).toHaveLength(18);
    expect(JSON.parse(canonicalEvent(old as ChainRow))[2]).toBe(before?.eventId);
    // Then each recorded one as its name and its value, in table order.
    expect(JSON.parse(canonicalEvent(fresh as ChainRow)).slice(18)).toEqual([
      "privacy_url",
      "https://shop.example/priv\u00e9",
      "source",
      "placeholder",
      "trusted",
      1,
    ]);
    const partly = newEvent({ source: "api", trusted: false });
    await recordEvent(env.DB, partly, [recordCurrentRevision(env.DB, partly.receivedAt)]);
    expect(JSON.parse(canonicalEvent((await rows())[2] as ChainRow)).slice(18)).toEqual([
      "source",
      "api",
      "trusted",
      0,
    ]);
  });

  it("verify over a mix of old-shape and new rows, and one changed byte of a new field is found", async () => {
    await appendAll(3);
    for (const source of ["banner", "dialog", "placeholder", "api"] as const) {
      const event = newEvent({ source, trusted: source !== "api", privacyUrl: `https://shop.example/${source}` });
      expect((await recordEvent(env.DB, event, [recordCurrentRevision(env.DB, event.receivedAt)])).outcome).toBe(
        "created",
      );
    }
    await appendAll(2);
    expect(await check()).toMatchObject({ valid: true, events: 9, headSeq: 9 });
    const target = (await rows())[4] as ChainRow;
    await tamper("UPDATE consent_events SET privacy_url = replace(privacy_url, 'dialog', 'dialoh') WHERE seq = 5");
    const report = await check();
    expect(report.valid).toBe(false);
    expect(report.firstProblem).toMatchObject({ seq: 5, id: target.id, eventId: target.event_id });
    expect(report.firstProblem?.problem).toMatch(/a column was changed/);
  });

  it("a script's choice relabelled as a real user action is found", async () => {
    const event = newEvent({ source: "api", trusted: false });
    await recordEvent(env.DB, event, [recordCurrentRevision(env.DB, event.receivedAt)]);
    await appendAll(1);
    await tamper("UPDATE consent_events SET trusted = 1 WHERE seq = 1");
    expect((await check()).firstProblem).toMatchObject({ seq: 1, eventId: event.eventId });
  });
});

describe("columns added for rules by region (region, rule_set, basis)", () => {
  const objected = { analytics: "objected", functionality: "consent", targeting: "consent" } as const;

  it("are covered after issue 13's, each only where recorded", async () => {
    const [before] = await appendAll(1);
    const recorded = newEvent({ source: "banner", trusted: true, region: "uk", ruleSet: "uk", basis: objected });
    await recordEvent(env.DB, recorded, [recordCurrentRevision(env.DB, recorded.receivedAt)]);
    const olderWidget = newEvent({ region: "eea" });
    await recordEvent(env.DB, olderWidget, [recordCurrentRevision(env.DB, olderWidget.receivedAt)]);
    const [old, fresh, regionOnly] = await rows();
    expect(JSON.parse(canonicalEvent(old as ChainRow))).toHaveLength(18);
    expect(JSON.parse(canonicalEvent(old as ChainRow))[2]).toBe(before?.eventId);
    expect(JSON.parse(canonicalEvent(fresh as ChainRow)).slice(18)).toEqual([
      "source",
      "banner",
      "trusted",
      1,
      "region",
      "uk",
      "rule_set",
      "uk",
      "basis",
      '{"analytics":"objected","functionality":"consent","targeting":"consent"}',
    ]);
    expect(JSON.parse(canonicalEvent(regionOnly as ChainRow)).slice(18)).toEqual(["region", "eea"]);
    expect(await check()).toMatchObject({ valid: true, events: 3 });
  });

  it("an objection rewritten as a consent is found", async () => {
    const event = newEvent({ region: "uk", ruleSet: "uk", basis: objected });
    await recordEvent(env.DB, event, [recordCurrentRevision(env.DB, event.receivedAt)]);
    await appendAll(1);
    await tamper(`UPDATE consent_events SET basis = replace(basis, '"objected"', '"consent"') WHERE seq = 1`);
    expect((await check()).firstProblem).toMatchObject({ seq: 1, eventId: event.eventId });
  });

  it("a rule set relabelled is found", async () => {
    await appendAll(1);
    const event = newEvent({ region: "uk", ruleSet: "uk", basis: objected });
    await recordEvent(env.DB, event, [recordCurrentRevision(env.DB, event.receivedAt)]);
    await tamper(`UPDATE consent_events SET rule_set = 'eea' WHERE seq = 2`);
    expect((await check()).firstProblem).toMatchObject({ seq: 2, eventId: event.eventId });
  });
});

describe("migration 0009 (the table rebuilt to allow method object)", () => {
  it("keeps every row, id, hash, daily count and guard of a log written before it", async () => {
    await reset();
    const before = env.TEST_MIGRATIONS.filter((migration) => !migration.name.startsWith("0009"));
    expect(before).toHaveLength(env.TEST_MIGRATIONS.length - 1);
    await applyD1Migrations(env.DB, before);
    // Rows exactly as the worker wrote them before 0009: no region, rule_set or basis columns yet.
    await env.DB.batch([recordCurrentRevision(env.DB, "2026-01-01T00:00:00.000Z")]);
    let prev = GENESIS_HASH;
    for (let seq = 1; seq <= 4; seq++) {
      const event = newEvent({ source: seq > 2 ? "banner" : null, trusted: seq > 2 ? true : null });
      const fields = chainFieldsOf(event, seq, prev);
      const hash = await eventHash(fields);
      const { region: _r, rule_set: _s, basis: _b, claimed_rule_set: _c, ...old } = fields;
      const columns = Object.keys(old);
      await env.DB.prepare(
        `INSERT INTO consent_events (${columns.join(", ")}, hash) VALUES (${columns.map(() => "?").join(", ")}, ?)`,
      )
        .bind(...Object.values(old), hash)
        .run();
      prev = hash;
    }
    const snapshot = async () => ({
      rows: (await env.DB.prepare("SELECT * FROM consent_events ORDER BY id").all()).results,
      daily: (await env.DB.prepare("SELECT * FROM consent_daily ORDER BY day").all()).results,
    });
    const old = await snapshot();
    await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
    const migrated = await snapshot();
    expect(migrated.daily).toEqual(old.daily);
    expect(migrated.rows).toEqual(
      old.rows.map((row) => ({ ...row, region: null, rule_set: null, basis: null, claimed_rule_set: null })),
    );
    expect(await check()).toMatchObject({ valid: true, events: 4, headSeq: 4 });
    // The guards and the chain's head came back with the table.
    await expect(env.DB.prepare("UPDATE consent_events SET analytics = 1").run()).rejects.toThrow(/append-only/);
    const next = newEvent({
      region: "uk",
      ruleSet: "uk",
      basis: { analytics: "objected", functionality: "consent", targeting: "consent" },
      method: "object",
      choices: { analytics: false, functionality: false, targeting: false },
    });
    await recordEvent(env.DB, next, [recordCurrentRevision(env.DB, next.receivedAt)]);
    expect(await check()).toMatchObject({ valid: true, events: 5, headSeq: 5 });
  });
});

describe("tampering is found and located", () => {
  it.each(EDITS)("a changed %s", async (column, expression) => {
    await appendAll(6);
    const target = (await rows())[3] as ChainRow;
    await storeDailyCheckpoint(env.DB, signer, new Date());
    await tamper(`UPDATE consent_events SET ${column} = ${expression} WHERE seq = 4`);
    const report = await check();
    expect(report.valid).toBe(false);
    // The edited row itself, or (when its position moved away) the gap it left.
    expect(report.firstProblem?.seq).toBe(4);
    if (column !== "seq") expect(report.firstProblem).toMatchObject({ id: target.id });
    expect(report.firstProblem?.problem).toMatch(/changed|missing|prev_hash/);
  });

  it("a removed event", async () => {
    await appendAll(5);
    await tamper("DELETE FROM consent_events WHERE seq = 3");
    const report = await check();
    expect(report.firstProblem).toMatchObject({ seq: 3, eventId: null });
    expect(report.firstProblem?.problem).toMatch(/event 3 is missing: the next stored event is 4/);
  });

  it("two events swapped in the chain", async () => {
    await appendAll(5);
    const before = await rows();
    await tamper(
      "UPDATE consent_events SET seq = CASE seq WHEN 2 THEN 4 WHEN 4 THEN 2 ELSE seq END + 100 WHERE seq IN (2, 4)",
    );
    await env.DB.prepare("UPDATE consent_events SET seq = seq - 100 WHERE seq > 100").run();
    const report = await check();
    expect(report.firstProblem).toMatchObject({ seq: 2, eventId: before[3]?.event_id });
    expect(report.firstProblem?.problem).toMatch(/prev_hash/);
  });

  it("a rewritten tail with recomputed hashes, against the signed checkpoint", async () => {
    await appendAll(5);
    await storeDailyCheckpoint(env.DB, signer, new Date());
    // Rewrite event 5 and recompute its hash: the chain alone looks whole.
    const last = (await rows())[4] as ChainRow;
    const forged = { ...last, method: "reject_all", analytics: 0 };
    await tamper(
      "UPDATE consent_events SET method = ?, analytics = 0, hash = ? WHERE seq = 5",
      "reject_all",
      await eventHash(forged),
    );
    const report = await check();
    expect(report.firstProblem).toMatchObject({ seq: 5, eventId: last.event_id });
    expect(report.firstProblem?.problem).toMatch(/differs from the signed checkpoint/);
  });

  it("a truncated tail, against the signed checkpoint", async () => {
    await appendAll(5);
    await storeDailyCheckpoint(env.DB, signer, new Date());
    await tamper("DELETE FROM consent_events WHERE seq >= 4");
    const report = await check();
    expect(report.firstProblem?.seq).toBe(4);
    expect(report.firstProblem?.problem).toMatch(/ends at event 3 .* reached event 5/);
  });

  it("a forged checkpoint", async () => {
    await appendAll(2);
    await env.DB.prepare(
      "INSERT INTO log_checkpoints (kind, seq, hash, at, signature) VALUES ('cut', 1, ?, '2026-01-01T00:00:00.000Z', 'AAAA')",
    )
      .bind(GENESIS_HASH)
      .run();
    expect((await check()).firstProblem?.problem).toMatch(/cut checkpoint of 2026-01-01T00:00:00.000Z is not signed/);
  });

  it("a row slipped in outside the chain", async () => {
    await appendAll(2);
    const foreign = newEvent();
    await seed([foreign]);
    expect((await check()).firstProblem).toMatchObject({ eventId: foreign.eventId });
  });
});

describe("staff", () => {
  it("verify from the log-integrity page, audited, and name the first bad event", async () => {
    await appendAll(3);
    const ok = await staffRequest("/staff/log-integrity", {}, staffEnv({ CHECKPOINT_KEY: KEY }));
    expect(ok.status).toBe(200);
    expect(await ok.text()).toMatch(/The chain is unbroken: 3 events/);
    await tamper("UPDATE consent_events SET country = 'FR' WHERE seq = 2");
    const bad = await (await staffRequest("/staff/log-integrity", {}, staffEnv({ CHECKPOINT_KEY: KEY }))).text();
    expect(bad).toMatch(/First mismatch at event 2/);
    const audits = (await auditRows()).filter((row) => row.action === "verify_log");
    expect(audits.map((row) => [JSON.parse(row.query).valid, row.row_count])).toEqual([
      [true, 3],
      [false, 1],
    ]);
  });

  it("download the checkpoints with the public key, each verifiable outside", async () => {
    await appendAll(2);
    await storeDailyCheckpoint(env.DB, signer, new Date());
    const response = await staffRequest("/api/staff/checkpoints?download", {}, staffEnv({ CHECKPOINT_KEY: KEY }));
    expect(response.headers.get("Content-Disposition")).toMatch(/attachment; filename="consent-log-checkpoints-/);
    const file = (await response.json()) as StaffCheckpointFile;
    expect(file.publicKey).toBe(signer.publicKey);
    expect(file.checkpoints).toHaveLength(1);
    expect(file.checkpoints[0]).toMatchObject({ kind: "daily", seq: 2 });
    expect(await checkpointSignedBy(file.checkpoints[0] as never, file.publicKey ?? "")).toBe(true);
    expect((await auditRows()).at(-1)).toMatchObject({ action: "download_checkpoints", row_count: 1 });
  });

  it("without CHECKPOINT_KEY still check the chain, and say what to set", async () => {
    await appendAll(2);
    const response = await staffRequest("/api/staff/log-integrity", {}, staffEnv({ CHECKPOINT_KEY: "" }));
    expect(await response.json()).toMatchObject({
      valid: true,
      events: 2,
      publicKey: null,
      keyProblem: expect.stringMatching(
        /^CHECKPOINT_KEY must be 32 random bytes in base64.*signatures were not checked/,
      ),
    });
    const page = await (await staffRequest("/staff/log-integrity", {}, staffEnv({ CHECKPOINT_KEY: "" }))).text();
    expect(page).toMatch(/role="alert">CHECKPOINT_KEY must be 32 random bytes/);
  });

  it("verifies stored rows with the same module Node uses", async () => {
    await appendAll(4);
    const report = await verifyChain({
      rows: [await rows()],
      checkpoints: await listCheckpoints(env.DB),
      publicKey: signer.publicKey,
    });
    expect(report).toMatchObject({ valid: true, events: 4, headSeq: 4 });
    const stored = await env.DB.prepare("SELECT * FROM consent_events WHERE seq = 1").first<ConsentEventRow>();
    expect(stored?.hash).toHaveLength(64);
  });
});
