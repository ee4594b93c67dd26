/**
 * @module
 * SQL for `consent_events`, the append-only consent log. Nothing here
 * updates or deletes a row; a change of mind is a new event.
 */
import type { ConsentMethod, ConsentSource } from "../../shared/consent-schema.ts";
import type { CategoryBases, Region, RuleSet } from "../../shared/rules.ts";
import type { StaffDailyStats, StaffEvent, StaffRuleSetStats } from "../../shared/staff-api.ts";
import { type ChainFields, eventHash, GENESIS_HASH } from "../lib/log-chain.ts";
import { type ChainHead, chainHeadStatement } from "./log-chain.ts";
import {
  DAILY_STATS_SQL,
  type EventCursor,
  type EventFilter,
  RULE_SET_STATS_SQL,
  searchEventsSql,
} from "./staff-queries.ts";

/** One stored event, as the worker and staff see it (the wire type staff scripts get). */
export type ConsentEventRecord = StaffEvent;

/** What the worker records; the chain position and hash are added when it is appended. */
export type NewConsentEvent = Omit<ConsentEventRecord, "id" | "seq" | "hash">;

export interface ConsentEventRow {
  id: number;
  event_id: string;
  consent_id: string;
  received_at: string;
  method: ConsentMethod;
  analytics: number;
  functionality: number;
  targeting: number;
  revision: string;
  texts_hash: string | null;
  page_url: string;
  user_agent: string;
  ip_prefix: string | null;
  country: string | null;
  language: string;
  gpc: number;
  widget_version: string;
  /** Null for events logged before the chain began (migrations/0007_log_chain.sql). */
  seq: number | null;
  prev_hash: string | null;
  hash: string | null;
  /** Null: not recorded (migrations/0008_texts_and_method.sql). */
  privacy_url: string | null;
  source: ConsentSource | null;
  trusted: number | null;
  /** Null: not recorded (migrations/0009_rules_by_region.sql). `basis` is CategoryBases as JSON. */
  region: Region | null;
  rule_set: RuleSet | null;
  basis: string | null;
  /** The widget's rule set, only where it differs from `rule_set` (the worker's own lookup). */
  claimed_rule_set: RuleSet | null;
}

export function toConsentEvent(row: ConsentEventRow): ConsentEventRecord {
  return {
    id: row.id,
    eventId: row.event_id,
    consentId: row.consent_id,
    receivedAt: row.received_at,
    method: row.method,
    choices: { analytics: row.analytics === 1, functionality: row.functionality === 1, targeting: row.targeting === 1 },
    revision: row.revision,
    textsHash: row.texts_hash,
    pageUrl: row.page_url,
    userAgent: row.user_agent,
    ipPrefix: row.ip_prefix,
    country: row.country,
    language: row.language,
    gpc: row.gpc === 1,
    widgetVersion: row.widget_version,
    seq: row.seq,
    hash: row.hash,
    source: row.source,
    trusted: row.trusted === null ? null : row.trusted === 1,
    privacyUrl: row.privacy_url,
    region: row.region,
    ruleSet: row.rule_set,
    basis: row.basis === null ? null : (JSON.parse(row.basis) as CategoryBases),
    claimedRuleSet: row.claimed_rule_set,
  };
}

/** The stored JSON of the bases: fixed key order, so equal bases are equal bytes (and hash alike in the chain). */
export function storedBasis(basis: CategoryBases | null): string | null {
  return basis === null
    ? null
    : JSON.stringify({ analytics: basis.analytics, functionality: basis.functionality, targeting: basis.targeting });
}

/** 0/1 as stored, NULL when not recorded. */
function storedFlag(value: boolean | null): number | null {
  return value === null ? null : Number(value);
}

/** An event's place in the chain, computed by the worker before the insert. */
export interface ChainLink {
  seq: number;
  prevHash: string;
  hash: string;
}

/** The stored columns of `event` at a chain position, exactly as the insert binds them. */
export function chainFieldsOf(event: NewConsentEvent, seq: number, prevHash: string): ChainFields {
  return {
    seq,
    prev_hash: prevHash,
    event_id: event.eventId,
    consent_id: event.consentId,
    received_at: event.receivedAt,
    method: event.method,
    analytics: Number(event.choices.analytics),
    functionality: Number(event.choices.functionality),
    targeting: Number(event.choices.targeting),
    revision: event.revision,
    texts_hash: event.textsHash,
    page_url: event.pageUrl,
    user_agent: event.userAgent,
    ip_prefix: event.ipPrefix,
    country: event.country,
    language: event.language,
    gpc: Number(event.gpc),
    widget_version: event.widgetVersion,
    privacy_url: event.privacyUrl,
    source: event.source,
    trusted: storedFlag(event.trusted),
    region: event.region,
    rule_set: event.ruleSet,
    basis: storedBasis(event.basis),
    claimed_rule_set: event.claimedRuleSet,
  };
}

/**
 * Inserts the event unless its event id is already logged. RETURNING yields
 * the row only when it was written, which tells a new event from a repeat.
 * With `link` the row joins the chain, and only if `link.prevHash` is still
 * the head's hash at the position before `link.seq` (another writer may have
 * appended since the head was read; then nothing is written). Without it the
 * row stays outside the chain, as fixtures seed it; verification reports
 * such a row when it is newer than the chain's start.
 */
export function insertEventStatement(db: D1Database, event: NewConsentEvent, link?: ChainLink) {
  const values = [
    event.eventId,
    event.consentId,
    event.receivedAt,
    event.method,
    Number(event.choices.analytics),
    Number(event.choices.functionality),
    Number(event.choices.targeting),
    event.revision,
    event.textsHash,
    event.pageUrl,
    event.userAgent,
    event.ipPrefix,
    event.country,
    event.language,
    Number(event.gpc),
    event.widgetVersion,
    event.privacyUrl,
    event.source,
    storedFlag(event.trusted),
    event.region,
    event.ruleSet,
    storedBasis(event.basis),
    event.claimedRuleSet,
  ];
  const columns = `event_id, consent_id, received_at, method, analytics, functionality, targeting,
         revision, texts_hash, page_url, user_agent, ip_prefix, country, language, gpc, widget_version,
         privacy_url, source, trusted, region, rule_set, basis, claimed_rule_set`;
  if (!link) {
    return db
      .prepare(
        `INSERT INTO consent_events (${columns})
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (event_id) DO NOTHING
         RETURNING *`,
      )
      .bind(...values);
  }
  return db
    .prepare(
      `INSERT INTO consent_events (${columns}, seq, prev_hash, hash)
       SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?
       FROM log_chain_head WHERE seq = ? AND hash = ?
       ON CONFLICT (event_id) DO NOTHING
       RETURNING *`,
    )
    .bind(...values, link.seq, link.prevHash, link.hash, link.seq - 1, link.prevHash);
}

/** Same event id but a different choice is a client bug, not a retry. */
function sameChoice(stored: NewConsentEvent, posted: NewConsentEvent): boolean {
  return (
    stored.consentId === posted.consentId &&
    stored.method === posted.method &&
    stored.revision === posted.revision &&
    stored.choices.analytics === posted.choices.analytics &&
    stored.choices.functionality === posted.choices.functionality &&
    stored.choices.targeting === posted.choices.targeting &&
    stored.ruleSet === posted.ruleSet &&
    stored.claimedRuleSet === posted.claimedRuleSet &&
    storedBasis(stored.basis) === storedBasis(posted.basis)
  );
}

/**
 * What recording an event did: `created` wrote it; `repeated` found the same
 * choice under its event id (a retry, nothing written); `conflict` found a
 * different choice under it; `missing` means D1 neither wrote nor holds it.
 */
export type RecordOutcome = (
  | { outcome: "created" | "repeated" | "conflict"; record: ConsentEventRecord }
  | { outcome: "missing"; record: null }
) & {
  /** The results of the `alongside` statements, from the attempt that settled it. */
  alongside: D1Result[];
};

/** Attempts per event when other writers keep moving the head; then the client gets a 503 and retries. */
export const MAX_APPEND_ATTEMPTS = 8;
/** Longest wait for this isolate's previous append before trying anyway (the database still refuses a fork). */
const TURN_WAIT_MS = 5000;

/**
 * This isolate's appends, one at a time, and the head its last batch saw:
 * concurrent requests of one isolate queue instead of racing for the same
 * head. Writers in other isolates still race; the conditional insert makes
 * the loser re-read the head and retry.
 */
const appender: { head: ChainHead; turn: Promise<void> } = {
  head: { seq: 0, hash: GENESIS_HASH },
  turn: Promise.resolve(),
};

async function takeTurn(): Promise<() => void> {
  const previous = appender.turn;
  let release = () => {};
  appender.turn = new Promise((resolve) => {
    release = resolve;
  });
  let stopWaiting = () => {};
  const waited = new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, TURN_WAIT_MS);
    stopWaiting = () => clearTimeout(timer);
  });
  await Promise.race([previous, waited]);
  stopWaiting();
  return release;
}

/**
 * Records an event idempotently on its event id, appended to the hash
 * chain. `alongside` statements run in the same batch, which is one
 * transaction: the event and what it refers to land together or not at all,
 * and a read among them sees the log as the event entered it.
 * Each attempt is one batch: the conditional insert, the stored row under
 * the event id, and the head after it, so a lost race costs one round trip.
 */
export async function recordEvent(
  db: D1Database,
  event: NewConsentEvent,
  alongside: D1PreparedStatement[] = [],
): Promise<RecordOutcome> {
  const release = await takeTurn();
  try {
    for (let attempt = 0; attempt < MAX_APPEND_ATTEMPTS; attempt++) {
      const head = appender.head;
      const seq = head.seq + 1;
      const hash = await eventHash(chainFieldsOf(event, seq, head.hash));
      const results = await db.batch([
        ...alongside,
        insertEventStatement(db, event, { seq, prevHash: head.hash, hash }),
        db.prepare("SELECT * FROM consent_events WHERE event_id = ?").bind(event.eventId),
        chainHeadStatement(db),
      ]);
      const [inserted, stored, current] = results.slice(-3).map((result) => result?.results[0]) as [
        ConsentEventRow | undefined,
        ConsentEventRow | undefined,
        ChainHead | undefined,
      ];
      if (current) appender.head = current;
      const alongsideResults = results.slice(0, alongside.length);
      if (inserted) return { outcome: "created", record: toConsentEvent(inserted), alongside: alongsideResults };
      if (stored) {
        const record = toConsentEvent(stored);
        return {
          outcome: sameChoice(record, event) ? "repeated" : "conflict",
          record,
          alongside: alongsideResults,
        };
      }
      // Neither written nor held, and the head did not move: not a lost race.
      if (!current || (current.seq === head.seq && current.hash === head.hash))
        return { outcome: "missing", record: null, alongside: alongsideResults };
    }
    throw new Error("the consent log's head kept moving");
  } finally {
    release();
  }
}

export async function findEventByEventId(db: D1Database, eventId: string): Promise<ConsentEventRecord | null> {
  const row = await db
    .prepare("SELECT * FROM consent_events WHERE event_id = ?")
    .bind(eventId)
    .first<ConsentEventRow>();
  return row ? toConsentEvent(row) : null;
}

/** A consent id's whole history, newest first. */
export async function listEventsByConsentId(db: D1Database, consentId: string): Promise<ConsentEventRecord[]> {
  const { results } = await db
    .prepare("SELECT * FROM consent_events WHERE consent_id = ? ORDER BY received_at DESC, id DESC")
    .bind(consentId)
    .all<ConsentEventRow>();
  return results.map(toConsentEvent);
}

export type { EventCursor, EventFilter } from "./staff-queries.ts";
export { DAILY_STATS_SQL, eventFilterSql, PAGE_PATH_SQL, searchEventsSql } from "./staff-queries.ts";

/**
 * Events matching `filter`, newest first, after `after`. Keyset pagination:
 * rows inserted meanwhile never shift a page, and no OFFSET scan.
 */
export async function searchEvents(
  db: D1Database,
  filter: EventFilter,
  limit: number,
  after?: EventCursor,
): Promise<ConsentEventRecord[]> {
  const { sql, params } = searchEventsSql(filter, limit, after);
  const { results } = await db
    .prepare(sql)
    .bind(...params)
    .all<ConsentEventRow>();
  return results.map(toConsentEvent);
}

/** The keyset position just after `event`. */
function positionAfter(event: ConsentEventRecord): EventCursor {
  return { receivedAt: event.receivedAt, id: event.id };
}

/** One page of a search and where the next one starts (null on the last page). */
export async function searchEventsPage(
  db: D1Database,
  filter: EventFilter,
  limit: number,
  after?: EventCursor,
): Promise<{ events: ConsentEventRecord[]; next: EventCursor | null }> {
  // One extra row says whether there is a next page without a COUNT.
  const rows = await searchEvents(db, filter, limit + 1, after);
  const events = rows.slice(0, limit);
  const last = events.at(-1);
  return { events, next: rows.length > limit && last ? positionAfter(last) : null };
}

/**
 * Rows fetched per query while exporting. D1 allows 1,000 queries per Worker
 * invocation (Workers Paid) and 50 MB per result: 5,000 rows (~2 MB) a query
 * exports up to ~5 million rows in one download, holding one batch at a time.
 */
export const EXPORT_BATCH = 5000;

/**
 * Every event matching `filter`, newest first, one keyset batch per step, so
 * memory holds one batch whatever the total (a million rows would not fit in
 * a worker's 128 MB at once). Rows arriving meanwhile are newer than the
 * first batch and are not included.
 */
export async function* eventBatches(db: D1Database, filter: EventFilter): AsyncGenerator<ConsentEventRecord[]> {
  let after: EventCursor | undefined;
  for (;;) {
    const rows = await searchEvents(db, filter, EXPORT_BATCH, after);
    const last = rows.at(-1);
    if (last) yield rows;
    if (!last || rows.length < EXPORT_BATCH) return;
    after = positionAfter(last);
  }
}

export async function findEventById(db: D1Database, id: number): Promise<ConsentEventRecord | null> {
  const row = await db.prepare("SELECT * FROM consent_events WHERE id = ?").bind(id).first<ConsentEventRow>();
  return row ? toConsentEvent(row) : null;
}

/** Per-day counts for `[from, to)` (ISO timestamps at midnight UTC); days without events are absent. */
export async function dailyChoiceCounts(db: D1Database, from: string, to: string): Promise<StaffDailyStats[]> {
  const { results } = await db.prepare(DAILY_STATS_SQL).bind(from.slice(0, 10), to.slice(0, 10)).all<StaffDailyStats>();
  return results;
}

/** Counts for `[from, to)` per rule set; a rule set without events in the period is absent. */
export async function ruleSetChoiceCounts(db: D1Database, from: string, to: string): Promise<StaffRuleSetStats[]> {
  const { results } = await db
    .prepare(RULE_SET_STATS_SQL)
    .bind(from.slice(0, 10), to.slice(0, 10))
    .all<StaffRuleSetStats>();
  return results;
}

/**
 * Deletes up to `batch` events outside the chain (logged before it began)
 * received before `before`, oldest first, and says how many went. Chained
 * events go from the front of the chain with a signed cut (worker/scheduled.ts).
 * Retention (COMPLIANCE.md item 16) is the only reason the log ever loses a
 * row; small batches keep each statement well inside D1's per-query limits
 * however large the backlog.
 */
export async function purgeEventsBefore(db: D1Database, before: string, batch: number): Promise<number> {
  // Counted by RETURNING: D1's meta.changes also counts the rows the
  // consent_daily triggers touch.
  const { results } = await db
    .prepare(
      `DELETE FROM consent_events WHERE id IN
         (SELECT id FROM consent_events WHERE received_at < ? AND seq IS NULL ORDER BY received_at LIMIT ?)
       RETURNING id`,
    )
    .bind(before, batch)
    .all();
  return results.length;
}
