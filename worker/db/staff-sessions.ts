/**
 * @module
 * SQL for `staff_sessions`: per staff token name, the time before which every
 * session is void. Sign-out and an administrator's revoke move it forward.
 */

/** Sessions of `name` issued at or before this time (ms since the epoch) are void; 0 when none were ended. */
export async function sessionsValidAfter(db: D1Database, name: string): Promise<number> {
  const row = await db
    .prepare("SELECT valid_after FROM staff_sessions WHERE name = ?")
    .bind(name)
    .first<{ valid_after: number }>();
  return row?.valid_after ?? 0;
}

/** Ends every session of `name` issued up to `at`; never moves the cut-off back. */
export function endSessionsStatement(db: D1Database, name: string, at: number) {
  return db
    .prepare(
      "INSERT INTO staff_sessions (name, valid_after) VALUES (?, ?) " +
        "ON CONFLICT (name) DO UPDATE SET valid_after = max(valid_after, excluded.valid_after)",
    )
    .bind(name, at);
}
