/**
 * @module
 * SQL for `text_sets` (migrations/0008_texts_and_method.sql): each distinct
 * set of banner texts a site showed instead of the defaults, stored once
 * under its SHA-256, only while some consent event refers to it.
 */
import type { TextSet } from "../../shared/text-set-schema.ts";

export interface StoredTextSet {
  hash: string;
  firstSeenAt: string;
  texts: TextSet;
  /** The stored JSON itself: the bytes its hash covers. */
  json: string;
}

/** Whether the set under `hash` is held: one primary-key read (run in the consent's own batch). */
export function textSetHeldStatement(db: D1Database, hash: string) {
  return db.prepare("SELECT 1 AS held FROM text_sets WHERE hash = ?").bind(hash);
}

/**
 * Stores the set unless it is held already, and only while an event refers
 * to its hash, in one statement: RETURNING yields the row only when it was
 * written. The second statement says whether an event refers to it (the
 * partial index on texts_hash answers both).
 */
export async function storeTextSet(
  db: D1Database,
  hash: string,
  source: string,
  now: string,
): Promise<"stored" | "held" | "unreferenced"> {
  const [inserted, referenced] = await db.batch([
    db
      .prepare(
        `INSERT INTO text_sets (hash, texts, first_seen_at)
         SELECT ?1, ?2, ?3 WHERE EXISTS (SELECT 1 FROM consent_events WHERE texts_hash = ?1)
         ON CONFLICT (hash) DO NOTHING
         RETURNING hash`,
      )
      .bind(hash, source, now),
    db.prepare("SELECT EXISTS (SELECT 1 FROM consent_events WHERE texts_hash = ?) AS referenced").bind(hash),
  ]);
  if (inserted?.results.length) return "stored";
  return (referenced?.results[0] as { referenced: number } | undefined)?.referenced ? "held" : "unreferenced";
}

/** The held sets among `hashes`, by hash; one read whatever their number. */
export async function findTextSets(db: D1Database, hashes: Iterable<string>): Promise<Map<string, StoredTextSet>> {
  const wanted = [...new Set(hashes)];
  if (wanted.length === 0) return new Map();
  const { results } = await db
    .prepare("SELECT hash, texts, first_seen_at FROM text_sets WHERE hash IN (SELECT value FROM json_each(?))")
    .bind(JSON.stringify(wanted))
    .all<{ hash: string; texts: string; first_seen_at: string }>();
  return new Map(
    results.map((row) => [
      row.hash,
      { hash: row.hash, firstSeenAt: row.first_seen_at, texts: JSON.parse(row.texts), json: row.texts },
    ]),
  );
}

/**
 * Deletes up to `batch` sets no consent event refers to any more (the
 * retention purge removed the last one); a set still referred to stays.
 */
export async function purgeUnreferencedTextSets(db: D1Database, batch: number): Promise<number> {
  const { results } = await db
    .prepare(
      `DELETE FROM text_sets WHERE hash IN (
         SELECT hash FROM text_sets
         WHERE NOT EXISTS (SELECT 1 FROM consent_events WHERE texts_hash = text_sets.hash)
         LIMIT ?)
       RETURNING hash`,
    )
    .bind(batch)
    .all();
  return results.length;
}
