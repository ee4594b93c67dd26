/**
 * @module
 * SQL for `consent_events`, the append-only consent log. Nothing here
 * updates or deletes a row; a change of mind is a new event.
 */
import type { Choices } from "../../shared/categories.ts";
import type { ConsentMethod } from "../../shared/consent-schema.ts";

/** One stored event, as the worker and staff see it. */
export interface ConsentEventRecord {
  id: number;
  eventId: string;
  consentId: string;
  receivedAt: string;
  method: ConsentMethod;
  choices: Choices;
  revision: string;
  textsHash: string | null;
  pageUrl: string;
  userAgent: string;
  ipPrefix: string | null;
  country: string | null;
  language: string;
  gpc: boolean;
  widgetVersion: string;
}

export type NewConsentEvent = Omit<ConsentEventRecord, "id">;

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
  };
}

/**
 * Inserts the event unless its event id is already logged. RETURNING yields
 * the row only when it was written, which tells a new event from a repeat.
 */
export function insertEventStatement(db: D1Database, event: NewConsentEvent) {
  return db
    .prepare(
      `INSERT INTO consent_events (event_id, consent_id, received_at, method, analytics, functionality, targeting,
         revision, texts_hash, page_url, user_agent, ip_prefix, country, language, gpc, widget_version)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (event_id) DO NOTHING
       RETURNING *`,
    )
    .bind(
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
    );
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
