/**
 * @module
 * Writes the staff audit row for a look at the consent log. Routes call it
 * after the query and before answering: if the audit cannot be written, the
 * staff member gets a 503 and no data (no unaudited access).
 */
import type { Context } from "hono";
import { type AuditAction, insertAuditStatement } from "../db/staff-audit.ts";
import type { AppEnv } from "../types.ts";
import { dbCall } from "./db-call.ts";

export async function audit(
  c: Context<AppEnv>,
  action: AuditAction,
  query: Record<string, unknown>,
  rowCount: number | null,
): Promise<void> {
  const { actor, via } = c.get("staff");
  await dbCall(() =>
    insertAuditStatement(c.env.DB, {
      at: new Date().toISOString(),
      actor,
      via,
      action,
      query: JSON.stringify(query),
      rowCount,
    }).run(),
  );
}
