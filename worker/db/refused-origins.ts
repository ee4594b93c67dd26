/**
 * @module
 * SQL for `refused_origins`: per-day counts of site origins the consent API
 * refused (migrations/0004_refused_origins.sql).
 */
import type { RefusedOriginCount } from "../../shared/staff-api.ts";

/**
 * Distinct origins counted per day. A misconfigured site is one or two;
 * beyond this, only origins already counted that day grow, so made-up
 * origins from many addresses cannot grow the table without bound.
 */
export const REFUSED_ORIGINS_PER_DAY = 1000;

/** Counts one refusal of `origin` on the UTC day of `at`. */
export async function countRefusedOrigin(db: D1Database, origin: string, at: Date): Promise<void> {
  const day = at.toISOString().slice(0, 10);
  // WHERE makes the SELECT a plain one, which SQLite needs before ON CONFLICT.
  await db
    .prepare(
      `INSERT INTO refused_origins (day, origin, refusals)
       SELECT ?1, ?2, 1
       WHERE EXISTS (SELECT 1 FROM refused_origins WHERE day = ?1 AND origin = ?2)
          OR (SELECT count(*) FROM refused_origins WHERE day = ?1) < ?3
       ON CONFLICT (day, origin) DO UPDATE SET refusals = refusals + 1`,
    )
    .bind(day, origin, REFUSED_ORIGINS_PER_DAY)
    .run();
}

export type { RefusedOriginCount } from "../../shared/staff-api.ts";

/** Refusals per origin over the UTC days `[firstDay, lastDay]`, most refused first. */
export async function refusedOriginCounts(
  db: D1Database,
  firstDay: string,
  lastDay: string,
): Promise<RefusedOriginCount[]> {
  const { results } = await db
    .prepare(
      `SELECT origin, sum(refusals) AS refusals FROM refused_origins
       WHERE day BETWEEN ? AND ? GROUP BY origin ORDER BY refusals DESC, origin LIMIT 100`,
    )
    .bind(firstDay, lastDay)
    .all<RefusedOriginCount>();
  return results;
}

/**
 * Deletes up to `limit` counts of days before `beforeDay` (YYYY-MM-DD), oldest
 * first, and says how many went. One bounded statement a run: at most
 * `REFUSED_ORIGINS_PER_DAY` rows arrive a day, so a limit above that always
 * keeps up, and a backlog (after RETENTION_DAYS is lowered) clears over days.
 */
export async function purgeRefusedOriginsBefore(db: D1Database, beforeDay: string, limit: number): Promise<number> {
  const { results } = await db
    .prepare(
      `DELETE FROM refused_origins WHERE (day, origin) IN
         (SELECT day, origin FROM refused_origins WHERE day < ? ORDER BY day LIMIT ?)
       RETURNING day`,
    )
    .bind(beforeDay, limit)
    .all();
  return results.length;
}
