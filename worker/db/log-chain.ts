/**
 * @module
 * SQL for the consent log's hash chain (migrations/0007_log_chain.sql): its
 * head, the chained events in order for verification, the signed
 * checkpoints, and the retention purge's cut. The hashing itself is in
 * worker/lib/log-chain.ts.
 */
import { type ChainRow, type Checkpoint, type CheckpointKind, OPTIONAL_CHAIN_COLUMNS } from "../lib/log-chain.ts";

export interface ChainHead {
  seq: number;
  hash: string;
}

/** Where the next event attaches (the view never returns nothing: genesis is 0 and 64 zeros). */
export function chainHeadStatement(db: D1Database) {
  return db.prepare("SELECT seq, hash FROM log_chain_head");
}

export async function readChainHead(db: D1Database): Promise<ChainHead> {
  const head = await chainHeadStatement(db).first<ChainHead>();
  if (!head) throw new Error("log_chain_head returned no row");
  return head;
}

const CHAIN_COLUMNS = `id, seq, prev_hash, hash, event_id, consent_id, received_at, method, analytics, functionality,
  targeting, revision, texts_hash, page_url, user_agent, ip_prefix, country, language, gpc, widget_version,
  ${OPTIONAL_CHAIN_COLUMNS.join(", ")}`;

/** Rows read per query while verifying: ~2 MB each, one batch in memory at a time. */
export const CHAIN_BATCH = 5000;

/** Every chained event after `fromSeq`, in chain order, one keyset batch per step. */
export async function* chainBatches(db: D1Database, fromSeq: number): AsyncGenerator<ChainRow[]> {
  let after = fromSeq;
  for (;;) {
    const { results } = await db
      .prepare(`SELECT ${CHAIN_COLUMNS} FROM consent_events WHERE seq > ? ORDER BY seq LIMIT ?`)
      .bind(after, CHAIN_BATCH)
      .all<ChainRow>();
    const last = results.at(-1);
    if (last) yield results;
    if (!last || results.length < CHAIN_BATCH) return;
    after = last.seq;
  }
}

/** The chained events at these positions (a proof's events, their neighbours, a checkpoint's event); one indexed read. */
export async function chainRowsAt(db: D1Database, seqs: number[]): Promise<ChainRow[]> {
  const { results } = await db
    .prepare(`SELECT ${CHAIN_COLUMNS} FROM consent_events WHERE seq IN (SELECT value FROM json_each(?)) ORDER BY seq`)
    .bind(JSON.stringify(seqs))
    .all<ChainRow>();
  return results;
}

/** Rows with an id up to this one were logged before the chain began (0 when none were). */
export async function legacyMaxId(db: D1Database): Promise<number> {
  const row = await db
    .prepare("SELECT coalesce(max(legacy_max_id), 0) AS id FROM log_chain_origin")
    .first<{ id: number }>();
  return row?.id ?? 0;
}

/**
 * The first row without a chain position stored after the chain began. The
 * seq index keeps its NULL entries in row id order, so this reads no chained row.
 */
export function firstUnchainedEvent(db: D1Database): Promise<{ id: number; eventId: string } | null> {
  return db
    .prepare(
      `SELECT id, event_id AS eventId FROM consent_events INDEXED BY consent_events_by_seq
       WHERE seq IS NULL AND id > (SELECT coalesce(max(legacy_max_id), 0) FROM log_chain_origin)
       ORDER BY id LIMIT 1`,
    )
    .first<{ id: number; eventId: string }>();
}

export async function listCheckpoints(db: D1Database, kind?: CheckpointKind): Promise<Checkpoint[]> {
  const { results } = await db
    .prepare(
      `SELECT kind, seq, hash, at, signature FROM log_checkpoints
       WHERE ?1 IS NULL OR kind = ?1 ORDER BY id`,
    )
    .bind(kind ?? null)
    .all<Checkpoint>();
  return results;
}

export function insertCheckpointStatement(db: D1Database, checkpoint: Checkpoint) {
  return db
    .prepare("INSERT INTO log_checkpoints (kind, seq, hash, at, signature) VALUES (?, ?, ?, ?, ?)")
    .bind(checkpoint.kind, checkpoint.seq, checkpoint.hash, checkpoint.at, checkpoint.signature);
}

/** The oldest chained events, oldest first: the retention purge cuts from the front. */
export async function chainFront(
  db: D1Database,
  limit: number,
): Promise<{ seq: number; hash: string; received_at: string }[]> {
  const { results } = await db
    .prepare("SELECT seq, hash, received_at FROM consent_events WHERE seq IS NOT NULL ORDER BY seq LIMIT ?")
    .bind(limit)
    .all<{ seq: number; hash: string; received_at: string }>();
  return results;
}

/** Deletes the chain up to and including `seq`; run in one batch with the signed cut. */
export function deleteChainThroughStatement(db: D1Database, seq: number) {
  return db.prepare("DELETE FROM consent_events WHERE seq IS NOT NULL AND seq <= ? RETURNING id").bind(seq);
}
