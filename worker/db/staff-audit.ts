/**
 * @module
 * SQL for `staff_audit`: one row for every look at the consent log by staff
 * and every retention purge (GDPR Art. 5(2), accountability). Rows are only
 * ever added; the purge of rows past `AUDIT_RETENTION_DAYS` is the one delete.
 * Its types are the staff API's (shared/staff-api.ts), re-exported here for
 * the worker modules that write rows.
 */
import type { AuditAction, AuditVia, StaffAuditEntry, StaffAuditPage } from "../../shared/staff-api.ts";

export type { AuditAction, AuditVia } from "../../shared/staff-api.ts";

/** One audit row; the type staff scripts get from `/api/staff/audit`. */
export type AuditEntry = StaffAuditEntry;

export type NewAuditEntry = Omit<AuditEntry, "id">;

interface AuditRow {
  id: number;
  at: string;
  actor: string;
  via: AuditVia;
  action: AuditAction;
  query: string;
  row_count: number | null;
}

function toAuditEntry(row: AuditRow): AuditEntry {
  return {
    id: row.id,
    at: row.at,
    actor: row.actor,
    via: row.via,
    action: row.action,
    query: row.query,
    rowCount: row.row_count,
  };
}

export function insertAuditStatement(db: D1Database, entry: NewAuditEntry) {
  return db
    .prepare("INSERT INTO staff_audit (at, actor, via, action, query, row_count) VALUES (?, ?, ?, ?, ?, ?)")
    .bind(entry.at, entry.actor, entry.via, entry.action, entry.query, entry.rowCount);
}

/**
 * The audit row for one look at the log by a staff member, stamped now.
 * What was asked is stored as JSON text, so any parameter shape fits.
 */
export function staffLookStatement(
  db: D1Database,
  look: { actor: string; via: AuditVia; action: AuditAction; query: Record<string, unknown>; rowCount: number | null },
) {
  return insertAuditStatement(db, { ...look, at: new Date().toISOString(), query: JSON.stringify(look.query) });
}

/**
 * One page of the audit, newest first, keyset-paginated on the row id (ids
 * only grow); one extra row says whether an older page exists.
 */
export async function listAuditPage(db: D1Database, limit: number, beforeId?: number): Promise<StaffAuditPage> {
  const statement =
    beforeId === undefined
      ? db.prepare("SELECT * FROM staff_audit ORDER BY id DESC LIMIT ?").bind(limit + 1)
      : db.prepare("SELECT * FROM staff_audit WHERE id < ? ORDER BY id DESC LIMIT ?").bind(beforeId, limit + 1);
  const { results } = await statement.all<AuditRow>();
  const entries = results.slice(0, limit).map(toAuditEntry);
  const last = entries.at(-1);
  return { entries, nextBefore: results.length > limit && last ? last.id : null };
}

/** Deletes up to `batch` audit rows older than `before`, oldest first. */
export async function purgeAuditBefore(db: D1Database, before: string, batch: number): Promise<number> {
  const result = await db
    .prepare("DELETE FROM staff_audit WHERE id IN (SELECT id FROM staff_audit WHERE at < ? ORDER BY at LIMIT ?)")
    .bind(before, batch)
    .run();
  return result.meta.changes;
}

/** Failed credential checks of one token name from one IP prefix. */
export interface AuthFailureGroup {
  /** The registered token name tried, or `(unknown)`. */
  actor: string;
  ipPrefix: string | null;
  attempts: number;
  lastAt: string;
}

/** Failed credential checks since `since`, by token name and IP prefix, most attempts first. */
export async function listAuthFailures(db: D1Database, since: string, limit = 50): Promise<AuthFailureGroup[]> {
  const { results } = await db
    .prepare(
      "SELECT actor, json_extract(query, '$.ipPrefix') AS ip_prefix, COUNT(*) AS attempts, MAX(at) AS last_at " +
        "FROM staff_audit WHERE action = 'auth_failure' AND at > ? " +
        "GROUP BY actor, ip_prefix ORDER BY attempts DESC, last_at DESC LIMIT ?",
    )
    .bind(since, limit)
    .all<{ actor: string; ip_prefix: string | null; attempts: number; last_at: string }>();
  return results.map((row) => ({
    actor: row.actor,
    ipPrefix: row.ip_prefix,
    attempts: row.attempts,
    lastAt: row.last_at,
  }));
}

/** Failed credential checks since `since` for a token name and for an IP prefix, and the oldest of them. */
export async function countAuthFailures(
  db: D1Database,
  since: string,
  actor: string,
  ipPrefix: string | null,
): Promise<{ byActor: number; byIpPrefix: number; oldestByActor: string | null; oldestByIpPrefix: string | null }> {
  const row = await db
    .prepare(
      "SELECT COALESCE(SUM(actor = ?1), 0) AS by_actor, " +
        "COALESCE(SUM(json_extract(query, '$.ipPrefix') IS ?2), 0) AS by_ip, " +
        "MIN(CASE WHEN actor = ?1 THEN at END) AS oldest_actor, " +
        "MIN(CASE WHEN json_extract(query, '$.ipPrefix') IS ?2 THEN at END) AS oldest_ip " +
        "FROM staff_audit WHERE action = 'auth_failure' AND at > ?3",
    )
    .bind(actor, ipPrefix, since)
    .first<{ by_actor: number; by_ip: number; oldest_actor: string | null; oldest_ip: string | null }>();
  return {
    byActor: row?.by_actor ?? 0,
    byIpPrefix: row?.by_ip ?? 0,
    oldestByActor: row?.oldest_actor ?? null,
    oldestByIpPrefix: row?.oldest_ip ?? null,
  };
}
