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
