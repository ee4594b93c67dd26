/**
 * @module
 * Writes the staff audit row for a look at the consent log. The staff reads
 * (./staff-data.ts) call it after the query and before answering: if the
 * audit cannot be written, the staff member gets a 503 and no data (no
 * unaudited access).
 */
import type { Context } from "hono";
import type { AuditAction } from "../../shared/staff-api.ts";
import { staffLookStatement } from "../db/staff-audit.ts";
import type { AppEnv } from "../types.ts";
import type { StaffIdentity } from "./auth/identity.ts";
import { dbCall } from "./db-call.ts";

/** Who is looking and at which log: what every staff read needs to run and to audit itself. */
export interface StaffViewer {
  db: D1Database;
  staff: StaffIdentity;
}

export function viewerOf(c: Context<AppEnv>): StaffViewer {
  return { db: c.env.DB, staff: c.get("staff") };
}

export async function audit(
  viewer: StaffViewer,
  action: AuditAction,
  query: Record<string, unknown>,
  rowCount: number | null,
): Promise<void> {
  const { actor, via } = viewer.staff;
  await dbCall(() => staffLookStatement(viewer.db, { actor, via, action, query, rowCount }).run());
}
