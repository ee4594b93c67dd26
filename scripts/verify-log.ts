/**
 * `npm run verify-log`: verifies the consent log's hash chain against its
 * signed checkpoints, outside the worker, with the same hashing module
 * (worker/lib/log-chain.ts), and names the first event that does not match.
 *
 *   npm run verify-log                               the local D1 of `npm start` (.wrangler/state)
 *   npm run verify-log -- --persist-to <dir>         a local D1 under another wrangler --persist-to folder
 *   npm run verify-log -- --file <dump.sql>          an export: wrangler d1 export opencontact-consent --remote --output dump.sql
 *   npm run verify-log -- --file <log.sqlite>        a SQLite copy of the database
 *   --checkpoints <file.json>   checkpoints downloaded from /api/staff/checkpoints?download and kept outside
 *                               Cloudflare, used instead of the database's own (which a rewrite could replace)
 *   --public-key <base64url>    the checkpoint public key recorded at deployment (default: the
 *                               --checkpoints file's, else the local CHECKPOINT_KEY of .dev.vars)
 *
 * Exit 0: the chain is whole. 1: it is not; the first bad event is named
 * (seq, event id, what differs). 2: the log or the key cannot be read.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import {
  type ChainReport,
  type ChainRow,
  type Checkpoint,
  checkpointSigner,
  OPTIONAL_CHAIN_COLUMNS,
  verifyChain,
} from "../worker/lib/log-chain.ts";

/** Rows read per query: one batch in memory at a time. */
const BATCH = 5000;

/**
 * The chained events in order. A column added after the chain began is read
 * as NULL from a log or export made before its migration, which is what
 * every row of that log holds for it (and what leaves it out of the hash).
 */
function chainSql(db: DatabaseSync): string {
  const present = new Set(
    (db.prepare("SELECT name FROM pragma_table_info('consent_events')").all() as { name: string }[]).map(
      (column) => column.name,
    ),
  );
  const optional = OPTIONAL_CHAIN_COLUMNS.map((column) => (present.has(column) ? column : `NULL AS ${column}`));
  return `SELECT id, seq, prev_hash, hash, event_id, consent_id, received_at, method, analytics, functionality,
  targeting, revision, texts_hash, page_url, user_agent, ip_prefix, country, language, gpc, widget_version,
  ${optional.join(", ")}
  FROM consent_events WHERE seq > ? ORDER BY seq LIMIT ?`;
}

const UNCHAINED_SQL = `SELECT id, event_id AS eventId FROM consent_events
  WHERE seq IS NULL AND id > (SELECT coalesce(max(legacy_max_id), 0) FROM log_chain_origin) ORDER BY id LIMIT 1`;

class CannotRead extends Error {}

function option(argv: string[], name: string): string | undefined {
  const index = argv.indexOf(name);
  if (index < 0) return undefined;
  const value = argv[index + 1];
  if (!value || value.startsWith("--")) throw new CannotRead(`${name} needs a value`);
  return value;
}

/** The SQLite file wrangler keeps a local D1 in (as bench/api.ts reads it). */
function localD1File(persistDir: string): string {
  const dir = join(persistDir, "v3", "d1", "miniflare-D1DatabaseObject");
  const file = existsSync(dir)
    ? readdirSync(dir).find((name) => name.endsWith(".sqlite") && !name.startsWith("metadata"))
    : undefined;
  if (!file) throw new CannotRead(`no local D1 under ${persistDir} (run npm start or npm run db:migrate first)`);
  return join(dir, file);
}

export function openLog(argv: string[], cwd = process.cwd()): { db: DatabaseSync; source: string } {
  const file = option(argv, "--file");
  if (file) {
    if (!existsSync(file)) throw new CannotRead(`${file} does not exist`);
    if (file.endsWith(".sql")) {
      const db = new DatabaseSync(":memory:");
      try {
        db.exec(readFileSync(file, "utf8"));
      } catch (error) {
        throw new CannotRead(`${file} is not a SQL dump SQLite can load: ${(error as Error).message}`);
      }
      return { db, source: file };
    }
    return { db: new DatabaseSync(file, { readOnly: true }), source: file };
  }
  const persistDir = option(argv, "--persist-to") ?? join(cwd, ".wrangler", "state");
  return { db: new DatabaseSync(localD1File(persistDir), { readOnly: true }), source: `local D1 in ${persistDir}` };
}

function* chainRows(db: DatabaseSync, fromSeq: number): Generator<ChainRow[]> {
  const statement = db.prepare(chainSql(db));
  let after = fromSeq;
  for (;;) {
    const rows = statement.all(after, BATCH) as unknown as ChainRow[];
    const last = rows.at(-1);
    if (last) yield rows;
    if (!last || rows.length < BATCH) return;
    after = last.seq;
  }
}

function checkpointFile(path: string): { publicKey?: string; checkpoints: Checkpoint[] } {
  let parsed: { publicKey?: unknown; checkpoints?: unknown };
  try {
    parsed = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw new CannotRead(`${path} is not a checkpoint file: ${(error as Error).message}`);
  }
  if (!Array.isArray(parsed.checkpoints)) throw new CannotRead(`${path} has no "checkpoints" array`);
  return {
    publicKey: typeof parsed.publicKey === "string" ? parsed.publicKey : undefined,
    checkpoints: parsed.checkpoints as Checkpoint[],
  };
}

/** The local CHECKPOINT_KEY (.dev.vars, else its public example), for a local log. */
function localCheckpointKey(cwd: string): string | undefined {
  for (const name of [".dev.vars", ".dev.vars.example"]) {
    const path = join(cwd, name);
    if (!existsSync(path)) continue;
    const line = readFileSync(path, "utf8")
      .split("\n")
      .find((entry) => entry.startsWith("CHECKPOINT_KEY="));
    if (line) return line.slice("CHECKPOINT_KEY=".length).trim();
  }
  return undefined;
}

export async function verifyLogFile(
  argv: string[],
  cwd = process.cwd(),
): Promise<{ report: ChainReport; source: string; keyFrom: string }> {
  const outside = option(argv, "--checkpoints");
  const file = outside ? checkpointFile(outside) : null;
  const { db, source } = openLog(argv, cwd);
  try {
    let checkpoints: Checkpoint[];
    let firstUnchained: { id: number; eventId: string } | null;
    try {
      checkpoints =
        file?.checkpoints ??
        (db
          .prepare("SELECT kind, seq, hash, at, signature FROM log_checkpoints ORDER BY id")
          .all() as unknown as Checkpoint[]);
      firstUnchained = (db.prepare(UNCHAINED_SQL).get() as { id: number; eventId: string } | undefined) ?? null;
    } catch (error) {
      throw new CannotRead(`${source} has no hash chain (migration 0007 applied?): ${(error as Error).message}`);
    }
    let publicKey = option(argv, "--public-key");
    let keyFrom = "--public-key";
    if (!publicKey && file?.publicKey) {
      publicKey = file.publicKey;
      keyFrom = `${outside} (compare it with the key recorded at deployment)`;
    }
    if (!publicKey) {
      try {
        publicKey = (await checkpointSigner(localCheckpointKey(cwd))).publicKey;
        keyFrom = "the local CHECKPOINT_KEY";
      } catch {
        throw new CannotRead("no checkpoint public key: pass --public-key <base64url> (or --checkpoints <file>)");
      }
    }
    const fromSeq = checkpoints.reduce((seq, point) => (point.kind === "cut" ? Math.max(seq, point.seq) : seq), 0);
    const report = await verifyChain({ rows: chainRows(db, fromSeq), checkpoints, publicKey, firstUnchained });
    return { report, source, keyFrom };
  } finally {
    db.close();
  }
}

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  let result: Awaited<ReturnType<typeof verifyLogFile>>;
  try {
    result = await verifyLogFile(argv);
  } catch (error) {
    console.error(`verify-log: cannot read the log: ${(error as Error).message}`);
    return 2;
  }
  const { report, source, keyFrom } = result;
  console.log(`verify-log: ${source}; checkpoint key from ${keyFrom}`);
  console.log(
    `${report.events} chained events from ${report.fromSeq + 1} to ${report.headSeq}, ${report.checkpoints} signed checkpoints`,
  );
  const problem = report.firstProblem;
  if (!problem) {
    console.log(`valid: the chain is whole; head ${report.headSeq} ${report.headHash}`);
    return 0;
  }
  console.error(
    `MISMATCH at event ${problem.seq}${problem.eventId ? ` (event id ${problem.eventId}, row id ${problem.id})` : ""}: ${problem.problem}`,
  );
  return 1;
}

if (import.meta.main) process.exitCode = await main();
