/**
 * @module
 * SQL for `staff_audit`: one row for every look at the consent log by staff
 * and every retention purge (GDPR Art. 5(2), accountability). Rows are only
 * ever added; the purge of rows past `AUDIT_RETENTION_DAYS` is the one delete.
 */

export type AuditVia = "access" | "token" | "cron";

export type AuditAction =
  | "search"
  | "view_event"
  | "view_consent"
  | "export_subject_access"
  | "export_csv"
  | "export_csv_done"
  | "stats"
  | "view_audit"
  | "purge";

export interface AuditEntry {
  id: number;
  at: string;
  actor: string;
  via: AuditVia;
  action: AuditAction;
  /** What was asked, as stored (JSON text). */
  query: string;
  rowCount: number | null;
}

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

/** Newest first, keyset-paginated on the row id (ids only grow). */
export async function listAudit(db: D1Database, limit: number, beforeId?: number): Promise<AuditEntry[]> {
  const statement =
    beforeId === undefined
      ? db.prepare("SELECT * FROM staff_audit ORDER BY id DESC LIMIT ?").bind(limit)
      : db.prepare("SELECT * FROM staff_audit WHERE id < ? ORDER BY id DESC LIMIT ?").bind(beforeId, limit);
  const { results } = await statement.all<AuditRow>();
  return results.map(toAuditEntry);
}

/** Deletes up to `batch` audit rows older than `before`, oldest first. */
export async function purgeAuditBefore(db: D1Database, before: string, batch: number): Promise<number> {
  const result = await db
    .prepare("DELETE FROM staff_audit WHERE id IN (SELECT id FROM staff_audit WHERE at < ? ORDER BY at LIMIT ?)")
    .bind(before, batch)
    .run();
  return result.meta.changes;
}
