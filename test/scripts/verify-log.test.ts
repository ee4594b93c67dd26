/**
 * `npm run verify-log` in Node, against a real local D1 (migrated by
 * wrangler, as `npm start` does) and against `wrangler d1 export` of it: a
 * whole chain exits 0; a changed byte, a removed row or two rows swapped
 * exit 1 naming the first bad event; a rewritten chain is caught by the
 * checkpoints kept outside; an unreadable log or key exits 2.
 */
import { spawnSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkSecrets } from "../../scripts/deploy.ts";
import { type ChainRow, checkpointSigner, eventHash, GENESIS_HASH } from "../../worker/lib/log-chain.ts";
import { newPersistDir } from "../e2e/worker-server.ts";

const root = join(import.meta.dirname, "..", "..");
const KEY = "b3BlbmNvbnRhY3QtbG9jYWwtY2hlY2twb2ludC1rZXk=";
const signer = await checkpointSigner(KEY);
const ENV = { ...process.env, WRANGLER_SEND_METRICS: "false", NO_COLOR: "1" };

function verifyLog(...args: string[]) {
  const result = spawnSync(process.execPath, [join(root, "scripts/verify-log.ts"), ...args], {
    cwd: root,
    encoding: "utf8",
  });
  return { status: result.status, out: `${result.stdout}${result.stderr}` };
}

function sqliteFile(persistDir: string): string {
  const dir = join(persistDir, "v3", "d1", "miniflare-D1DatabaseObject");
  const found = spawnSync("ls", [dir], { encoding: "utf8" }).stdout.split("\n");
  const name = found.find((entry) => entry.endsWith(".sqlite") && !entry.startsWith("metadata"));
  return join(dir, name ?? "missing.sqlite");
}

/**
 * A log as the worker writes it: the revision, then `count` chained events,
 * the first half of the shape logged before issue 13 (privacy_url, source
 * and trusted NULL), the rest with them recorded, and the last third with
 * issue 14's region, rule_set and basis as well.
 */
async function writeChain(file: string, count: number): Promise<ChainRow[]> {
  const db = new DatabaseSync(file);
  db.prepare(
    `INSERT INTO privacy_revisions (revision, sha256, title, markdown, html, text, banner_texts, first_served_at)
     VALUES ('abcdefabcdefabcd', ?, 't', 'm', 'h', 't', '{}', '2026-01-01T00:00:00.000Z')`,
  ).run("0".repeat(64));
  const rows: ChainRow[] = [];
  let prev = GENESIS_HASH;
  for (let seq = 1; seq <= count; seq++) {
    const fields = {
      seq,
      prev_hash: prev,
      event_id: randomUUID(),
      consent_id: randomUUID(),
      received_at: new Date(Date.UTC(2026, 10, 1, 12, 0, seq)).toISOString(),
      method: "custom",
      analytics: seq % 2,
      functionality: 0,
      targeting: 1,
      revision: "abcdefabcdefabcd",
      texts_hash: null,
      page_url: "https://www.opencontact.co.uk/caf\u00e9",
      user_agent: 'Mozilla/5.0 "quoted" \\ T\u00e9l\u00e9phone \u{1f680}',
      ip_prefix: "203.0.113.0/24",
      country: null,
      language: "en-GB",
      gpc: 0,
      widget_version: "0.1.0",
      ...(seq > count / 2
        ? { privacy_url: "https://www.opencontact.co.uk/privacy-policy", source: "dialog", trusted: seq % 2 }
        : { privacy_url: null, source: null, trusted: null }),
      ...(seq > (count * 2) / 3
        ? {
            region: "uk",
            rule_set: "uk",
            basis: '{"analytics":"objected","functionality":"consent","targeting":"consent"}',
            // One row whose widget said it applied another rule set than the worker's lookup.
            claimed_rule_set: seq === count ? "eea" : null,
          }
        : { region: null, rule_set: null, basis: null, claimed_rule_set: null }),
    };
    const hash = await eventHash(fields);
    const { lastInsertRowid } = db
      .prepare(
        `INSERT INTO consent_events (event_id, consent_id, received_at, method, analytics, functionality, targeting,
           revision, texts_hash, page_url, user_agent, ip_prefix, country, language, gpc, widget_version,
           privacy_url, source, trusted, region, rule_set, basis, claimed_rule_set, seq, prev_hash, hash)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        fields.event_id,
        fields.consent_id,
        fields.received_at,
        fields.method,
        fields.analytics,
        fields.functionality,
        fields.targeting,
        fields.revision,
        fields.texts_hash,
        fields.page_url,
        fields.user_agent,
        fields.ip_prefix,
        fields.country,
        fields.language,
        fields.gpc,
        fields.widget_version,
        fields.privacy_url,
        fields.source,
        fields.trusted,
        fields.region,
        fields.rule_set,
        fields.basis,
        fields.claimed_rule_set,
        seq,
        prev,
        hash,
      );
    rows.push({ ...fields, id: Number(lastInsertRowid), hash });
    prev = hash;
  }
  const head = rows.at(-1) as ChainRow;
  const daily = await signer.sign({ kind: "daily", seq: head.seq, hash: head.hash, at: "2026-11-02T03:17:00.000Z" });
  db.prepare("INSERT INTO log_checkpoints (kind, seq, hash, at, signature) VALUES (?, ?, ?, ?, ?)").run(
    daily.kind,
    daily.seq,
    daily.hash,
    daily.at,
    daily.signature,
  );
  db.close();
  return rows;
}

/** Edits the stored log as someone with database access could (the append-only trigger dropped first). */
function tamper(file: string, sql: string, ...params: (string | number)[]): void {
  const db = new DatabaseSync(file);
  db.exec("DROP TRIGGER IF EXISTS consent_events_append_only");
  db.prepare(sql).run(...params);
  db.close();
}

function freshLog(): { persistDir: string; file: string } {
  const persistDir = newPersistDir();
  return { persistDir, file: sqliteFile(persistDir) };
}

describe("npm run verify-log", { timeout: 120_000 }, () => {
  // A project folder of its own: `wrangler d1 export --local` reads the D1 under ./.wrangler/state.
  const project = mkdtempSync(join(tmpdir(), "opencontact-verify-log-"));
  let whole: { persistDir: string; file: string; rows: ChainRow[] };
  beforeAll(async () => {
    copyFileSync(join(root, "wrangler.toml"), join(project, "wrangler.toml"));
    const persistDir = join(project, ".wrangler", "state");
    const migrate = spawnSync(
      "npx",
      ["wrangler", "d1", "migrations", "apply", "opencontact-consent", "--local", "--persist-to", persistDir],
      { cwd: root, env: ENV, encoding: "utf8" },
    );
    expect(migrate.status, migrate.stderr).toBe(0);
    const file = sqliteFile(persistDir);
    whole = { persistDir, file, rows: await writeChain(file, 30) };
  }, 120_000);
  afterAll(() => rmSync(project, { recursive: true, force: true }));

  it("exits 0 on a whole chain, read from the local D1 and from a wrangler d1 export", () => {
    const local = verifyLog("--persist-to", whole.persistDir);
    expect(local.out).toMatch(/30 chained events from 1 to 30, 1 signed checkpoints/);
    expect(local.out).toMatch(/valid: the chain is whole; head 30/);
    expect(local.status).toBe(0);

    const dump = join(project, "dump.sql");
    const exported = spawnSync(
      join(root, "node_modules", ".bin", "wrangler"),
      ["d1", "export", "opencontact-consent", "--local", "--output", dump],
      { cwd: project, env: ENV, encoding: "utf8" },
    );
    expect(exported.status, exported.stderr).toBe(0);
    const fromDump = verifyLog("--file", dump, "--public-key", signer.publicKey);
    expect(fromDump.out).toMatch(/valid: the chain is whole; head 30/);
    expect(fromDump.status).toBe(0);
  });

  it.each([
    [
      "a changed byte",
      "UPDATE consent_events SET user_agent = replace(user_agent, 'quoted', 'quotes') WHERE seq = 17",
      17,
      /columns hash to .* a column was changed/,
    ],
    [
      "a changed byte of the privacy URL",
      "UPDATE consent_events SET privacy_url = replace(privacy_url, 'policy', 'polity') WHERE seq = 14",
      14,
      /columns hash to .* a column was changed/,
    ],
    [
      "a choice made by a script relabelled as a click",
      "UPDATE consent_events SET trusted = 1 WHERE seq = 12",
      12,
      /columns hash to .* a column was changed/,
    ],
    [
      "a source added to an event logged before it was recorded",
      "UPDATE consent_events SET source = 'banner' WHERE seq = 3",
      3,
      /columns hash to .* a column was changed/,
    ],
    [
      "an objection rewritten as a consent",
      `UPDATE consent_events SET basis = '{"analytics":"consent","functionality":"consent","targeting":"consent"}' WHERE seq = 18`,
      18,
      /columns hash to .* a column was changed/,
    ],
    [
      "a region added to an event logged before it was recorded",
      "UPDATE consent_events SET region = 'uk' WHERE seq = 12",
      12,
      /columns hash to .* a column was changed/,
    ],
    ["a removed row", "DELETE FROM consent_events WHERE seq = 9", 9, /event 9 is missing: the next stored event is 10/],
    [
      "two rows swapped",
      "UPDATE consent_events SET seq = CASE seq WHEN 5 THEN 6 ELSE 5 END + 1000 WHERE seq IN (5, 6)",
      5,
      /missing|prev_hash/,
    ],
  ])("exits 1 on %s, naming the first bad event", async (_name, sql, seq, problem) => {
    const log = freshLog();
    const rows = await writeChain(log.file, 20);
    tamper(log.file, sql);
    if (sql.includes("1000")) tamper(log.file, "UPDATE consent_events SET seq = seq - 1000 WHERE seq > 1000");
    const result = verifyLog("--persist-to", log.persistDir);
    expect(result.status).toBe(1);
    expect(result.out).toMatch(new RegExp(`MISMATCH at event ${seq}`));
    expect(result.out).toMatch(problem);
    if (sql.startsWith("UPDATE consent_events SET user_agent")) expect(result.out).toContain(rows[16]?.event_id);
  });

  it("catches a chain rewritten with recomputed hashes against the checkpoints kept outside", async () => {
    const log = freshLog();
    const rows = await writeChain(log.file, 5);
    // Keep the signed checkpoints outside, as staff download them.
    const db = new DatabaseSync(log.file);
    const checkpoints = db.prepare("SELECT kind, seq, hash, at, signature FROM log_checkpoints").all();
    db.close();
    const outside = join(log.persistDir, "checkpoints.json");
    writeFileSync(outside, JSON.stringify({ log: "opencontact-consent", publicKey: signer.publicKey, checkpoints }));
    // Rewrite event 5 and its hash, and replace the stored checkpoint with an unsigned one.
    const forged = { ...(rows[4] as ChainRow), method: "reject_all" };
    tamper(
      log.file,
      "UPDATE consent_events SET method = 'reject_all', hash = ? WHERE seq = 5",
      await eventHash(forged),
    );
    tamper(log.file, "DROP TRIGGER log_checkpoints_keep");
    tamper(log.file, "DELETE FROM log_checkpoints");

    expect(verifyLog("--persist-to", log.persistDir).status).toBe(0);
    const result = verifyLog("--persist-to", log.persistDir, "--checkpoints", outside);
    expect(result.status).toBe(1);
    expect(result.out).toMatch(/MISMATCH at event 5 .* differs from the signed checkpoint of 2026-11-02T03:17:00.000Z/);
  });

  it("exits 2 when the log or the key cannot be read", () => {
    const missing = verifyLog("--file", join(whole.persistDir, "nothing.sql"));
    expect(missing.status).toBe(2);
    expect(missing.out).toMatch(/cannot read the log: .*nothing.sql does not exist/);
    const badKey = verifyLog("--persist-to", whole.persistDir, "--public-key", "not-a-key");
    expect(badKey.status).toBe(1);
    expect(badKey.out).toMatch(/not signed by the checkpoint key/);
    const notD1 = verifyLog("--persist-to", join(whole.persistDir, "nowhere"));
    expect(notD1.status).toBe(2);
    expect(notD1.out).toMatch(/no local D1 under/);
  });
});

describe("CHECKPOINT_KEY in a deploy secrets file", () => {
  const example = `CHECKPOINT_KEY=${KEY}\n`;
  it("refuses the public example and anything but 32 bytes of base64", () => {
    expect(checkSecrets(JSON.stringify({ CHECKPOINT_KEY: KEY }), example)).toEqual([
      expect.stringMatching(/^CHECKPOINT_KEY in the secrets file is the public example of .dev.vars.example/),
    ]);
    expect(checkSecrets(JSON.stringify({ CHECKPOINT_KEY: "short" }), example)).toEqual([
      expect.stringMatching(/is not 32 bytes in base64\. Use a random one: `openssl rand -base64 32`/),
    ]);
    expect(
      checkSecrets(JSON.stringify({ CHECKPOINT_KEY: "78ldV37Sz2oJoHpPkDo8tJMhOrd1iJFjHOnKBfWYo3w=" }), example),
    ).toEqual([]);
  });
});
