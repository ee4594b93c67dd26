/**
 * @module
 * The SQL of the staff queries over `consent_events` and `consent_daily`, as
 * plain strings and builders with no Workers types, so the benchmark
 * (scripts/bench-staff.ts) and the query-plan test run exactly the
 * statements the worker runs.
 */
import type { ConsentMethod } from "../../shared/consent-schema.ts";

/**
 * The page path of `page_url` (origin + path): everything from the first `/`
 * after the scheme's `//`. Must match the index expression in
 * migrations/0002_staff_log.sql character for character, or SQLite will not
 * use the index.
 */
export const PAGE_PATH_SQL = "substr(page_url, instr(substr(page_url, 9), '/') + 8)";

/** What staff may filter the log by; every field is optional. */
export interface EventFilter {
  consentId?: string;
  /** Inclusive lower bound on `received_at` (ISO). */
  from?: string;
  /** Exclusive upper bound on `received_at` (ISO). */
  to?: string;
  method?: ConsentMethod;
  revision?: string;
  /** Exact page path, e.g. `/pricing`. */
  path?: string;
  analytics?: boolean;
  functionality?: boolean;
  targeting?: boolean;
}

/** Keyset position: the last row of the previous page (newest-first order). */
export interface EventCursor {
  receivedAt: string;
  id: number;
}

/** WHERE clause and bound values for a filter, optionally after a cursor. */
export function eventFilterSql(filter: EventFilter, after?: EventCursor): { where: string; params: unknown[] } {
  const clauses: string[] = [];
  const params: unknown[] = [];
  if (filter.consentId !== undefined) {
    clauses.push("consent_id = ?");
    params.push(filter.consentId);
  }
  if (filter.method !== undefined) {
    clauses.push("method = ?");
    params.push(filter.method);
  }
  if (filter.revision !== undefined) {
    clauses.push("revision = ?");
    params.push(filter.revision);
  }
  if (filter.path !== undefined) {
    clauses.push(`${PAGE_PATH_SQL} = ?`);
    params.push(filter.path);
  }
  for (const category of ["analytics", "functionality", "targeting"] as const) {
    const granted = filter[category];
    if (granted !== undefined) {
      clauses.push(`${category} = ?`);
      params.push(granted ? 1 : 0);
    }
  }
  if (filter.from !== undefined) {
    clauses.push("received_at >= ?");
    params.push(filter.from);
  }
  if (filter.to !== undefined) {
    clauses.push("received_at < ?");
    params.push(filter.to);
  }
  if (after) {
    // The plain bound lets SQLite narrow the index range; the OR breaks ties on id.
    clauses.push("received_at <= ? AND (received_at < ? OR id < ?)");
    params.push(after.receivedAt, after.receivedAt, after.id);
  }
  return { where: clauses.length ? `WHERE ${clauses.join(" AND ")}` : "", params };
}

/** The SQL of one page of a search, newest first; exported for the query-plan test. */
export function searchEventsSql(filter: EventFilter, limit: number, after?: EventCursor) {
  const { where, params } = eventFilterSql(filter, after);
  return {
    sql: `SELECT * FROM consent_events ${where} ORDER BY received_at DESC, id DESC LIMIT ?`,
    params: [...params, limit],
  };
}

/**
 * Per-day counts come from `consent_daily`, which triggers keep in step with
 * `consent_events` (migrations/0003_consent_daily.sql): one row a day to read.
 */
/** A period's counts per rule set (`none`: not recorded), from the daily counts kept by triggers (migrations/0009). */
export const RULE_SET_STATS_SQL = `SELECT rule_set AS ruleSet, sum(events) AS events, sum(analytics) AS analytics,
  sum(functionality) AS functionality, sum(targeting) AS targeting
  FROM consent_daily_by_rule_set WHERE day >= ? AND day < ? GROUP BY rule_set ORDER BY rule_set`;

export const DAILY_STATS_SQL = `SELECT day, events, analytics, functionality, targeting
  FROM consent_daily WHERE day >= ? AND day < ? ORDER BY day`;
