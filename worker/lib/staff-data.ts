/**
 * @module
 * What the staff pages and the staff JSON API share: a page of search
 * results with its next cursor, a period's statistics with empty days filled,
 * the subject-access export and the streamed CSV export.
 */
import type { StaffDailyStats, SubjectAccessExport } from "../../shared/staff-api.ts";
import {
  type ConsentEventRecord,
  dailyChoiceCounts,
  type EventCursor,
  type EventFilter,
  searchEvents,
} from "../db/consent-events.ts";
import { csvRow } from "./csv.ts";
import { dbCall } from "./db-call.ts";
import { addDays, encodeCursor } from "./staff-query.ts";

export const PAGE_SIZE = 50;

/**
 * Rows fetched per query while exporting. D1 allows 1,000 queries per Worker
 * invocation (Workers Paid) and 50 MB per result: 5,000 rows (~2 MB) a query
 * exports up to ~5 million rows in one download, holding one batch at a time.
 */
export const CSV_BATCH = 5000;

export async function searchPage(db: D1Database, filter: EventFilter, limit: number, after?: EventCursor) {
  // One extra row says whether there is a next page without a COUNT.
  const rows = await dbCall(() => searchEvents(db, filter, limit + 1, after));
  const events = rows.slice(0, limit);
  const last = events.at(-1);
  const nextCursor = rows.length > limit && last ? encodeCursor({ receivedAt: last.receivedAt, id: last.id }) : null;
  return { events, nextCursor };
}

export async function periodStats(db: D1Database, period: { from: string; to: string; days: number }) {
  const counts = await dbCall(() => dailyChoiceCounts(db, period.from, period.to));
  const byDay = new Map(counts.map((row) => [row.day, row]));
  const days: StaffDailyStats[] = [];
  for (let index = 0; index < period.days; index++) {
    const day = addDays(new Date(period.from), index).toISOString().slice(0, 10);
    days.push(byDay.get(day) ?? { day, events: 0, analytics: 0, functionality: 0, targeting: 0 });
  }
  return days;
}

export function subjectAccessExport(
  consentId: string,
  events: ConsentEventRecord[],
  origin: string,
  now: Date,
): SubjectAccessExport {
  return {
    controller: "OpenContact Services Limited",
    consentId,
    exportedAt: now.toISOString(),
    explanation:
      "Every cookie choice recorded under this consent id, newest first: when it was received, what was chosen for each optional category, the privacy statement revision shown at the time (readable at privacyStatementUrl), and the technical details logged with it. IP addresses are only ever stored shortened to their network prefix.",
    events: events.map(({ id: _id, ...event }) => ({
      ...event,
      privacyStatementUrl: `${origin}/privacy/${event.revision}`,
    })),
  };
}

export const CSV_COLUMNS = [
  "event_id",
  "consent_id",
  "received_at",
  "method",
  "analytics",
  "functionality",
  "targeting",
  "revision",
  "texts_hash",
  "page_url",
  "user_agent",
  "ip_prefix",
  "country",
  "language",
  "gpc",
  "widget_version",
] as const;

function eventCsvRow(event: ConsentEventRecord): string {
  return csvRow([
    event.eventId,
    event.consentId,
    event.receivedAt,
    event.method,
    event.choices.analytics,
    event.choices.functionality,
    event.choices.targeting,
    event.revision,
    event.textsHash,
    event.pageUrl,
    event.userAgent,
    event.ipPrefix,
    event.country,
    event.language,
    event.gpc,
    event.widgetVersion,
  ]);
}

/**
 * Every event matching `filter` as CSV, newest first, fetched in keyset
 * batches as the client reads: memory stays at one batch whatever the size
 * (a million rows would not fit in a worker's 128 MB at once). Rows arriving
 * during the export are newer than the first batch and are not included.
 * `finished` is called once with the number of rows sent, also on cancel.
 */
export function csvExportStream(
  db: D1Database,
  filter: EventFilter,
  finished: (rows: number) => Promise<void>,
): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let cursor: EventCursor | undefined;
  let sent = 0;
  let started = false;
  let done = false;
  const finish = async () => {
    if (done) return;
    done = true;
    await finished(sent);
  };
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (!started) {
          started = true;
          controller.enqueue(encoder.encode(csvRow(CSV_COLUMNS)));
          return;
        }
        const rows = await searchEvents(db, filter, CSV_BATCH, cursor);
        if (rows.length > 0) {
          let chunk = "";
          for (const row of rows) chunk += eventCsvRow(row);
          controller.enqueue(encoder.encode(chunk));
          sent += rows.length;
          const last = rows[rows.length - 1] as ConsentEventRecord;
          cursor = { receivedAt: last.receivedAt, id: last.id };
        }
        if (rows.length < CSV_BATCH) {
          await finish();
          controller.close();
        }
      },
      async cancel() {
        await finish();
      },
    },
    { highWaterMark: 0 },
  );
}
