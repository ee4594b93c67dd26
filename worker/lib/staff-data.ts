/**
 * @module
 * The staff reads, one function per look at the consent log, shared by the
 * staff pages and the staff JSON API. Each runs its query and writes its
 * audit row before returning anything, so no route can show data without
 * the audit (if the row cannot be written the caller gets a 503, no data).
 * Routes parse their parameters first, call one of these, and render.
 */
import type {
  ReceiptCheck,
  ReceiptLogComparison,
  StaffAuditPage,
  StaffCheckpointFile,
  StaffDailyStats,
  StaffEvent,
  StaffEventPage,
  StaffEventRecord,
  StaffLogIntegrity,
  StaffStats,
  SubjectAccessExport,
} from "../../shared/staff-api.ts";
import {
  dailyChoiceCounts,
  type EventFilter,
  eventBatches,
  findEventByEventId,
  findEventById,
  listEventsByConsentId,
  searchEventsPage,
} from "../db/consent-events.ts";
import { chainBatches, firstUnchainedEvent, listCheckpoints } from "../db/log-chain.ts";
import { findRevision, findRevisionDeclaration, listRevisions } from "../db/privacy-revisions.ts";
import { refusedOriginCounts } from "../db/refused-origins.ts";
import { type AuthFailureGroup, listAuditPage, listAuthFailures } from "../db/staff-audit.ts";
import { audit, type StaffViewer } from "./audit.ts";
import { csvRow } from "./csv.ts";
import { dbCall } from "./db-call.ts";
import { ApiError } from "./errors.ts";
import { CHECKPOINT_KEY_FORMAT, CHECKPOINT_MESSAGE_FORMAT, checkpointSigner, verifyChain } from "./log-chain.ts";
import { logDifferences, logHashOf, type PublicReceiptKey, verifyReceipt } from "./receipts.ts";
import { addDays, encodeCursor, type FilterParams, type SearchRequest } from "./staff-query.ts";

/** Rows on a page of the staff search. */
export const PAGE_SIZE = 50;
/** Rows on a page of the staff audit. */
export const AUDIT_PAGE_SIZE = 100;
/** The audit page sums failed sign-ins over the last day. */
const FAILURES_SHOWN_MS = 24 * 60 * 60 * 1000;

/** The privacy-statement revisions, for the search form (the company's texts, not personal data: not audited). */
export function knownRevisions(viewer: StaffViewer) {
  return dbCall(() => listRevisions(viewer.db));
}

export async function searchLog(viewer: StaffViewer, search: SearchRequest): Promise<StaffEventPage> {
  const { events, next } = await dbCall(() => searchEventsPage(viewer.db, search.filter, search.limit, search.after));
  await audit(
    viewer,
    "search",
    { ...search.params, ...(search.cursor ? { cursor: search.cursor } : {}) },
    events.length,
  );
  return { events, nextCursor: next ? encodeCursor(next) : null };
}

/** A record, with where to read the cookie declaration in force for its event's revision. */
export interface StaffEventRecordWithDeclaration extends StaffEventRecord {
  /** `/cookies/<revision>`, or null for a revision recorded before declarations were kept with revisions. */
  cookieDeclarationUrl: string | null;
}

/** The company's own texts, not personal data: read beside a record, audited with it. */
async function declarationUrlOf(viewer: StaffViewer, revision: string): Promise<string | null> {
  const stored = await dbCall(() => findRevisionDeclaration(viewer.db, revision));
  return stored?.declaration ? `/cookies/${revision}` : null;
}

/** One event and its consent id's whole history, newest first. */
export async function readEvent(viewer: StaffViewer, id: number): Promise<StaffEventRecordWithDeclaration> {
  const event = await dbCall(() => findEventById(viewer.db, id));
  if (!event) throw new ApiError(404, "not_found", `No event ${id} is in the log.`, "id");
  const history = await dbCall(() => listEventsByConsentId(viewer.db, event.consentId));
  const cookieDeclarationUrl = await declarationUrlOf(viewer, event.revision);
  await audit(viewer, "view_event", { id, consentId: event.consentId }, history.length);
  return { event, history, cookieDeclarationUrl };
}

/** A consent id's whole history, newest first, with its latest event as the record. */
async function consentRecord(
  viewer: StaffViewer,
  consentId: string,
  action: "view_consent" | "export_subject_access",
): Promise<StaffEventRecord> {
  const history = await dbCall(() => listEventsByConsentId(viewer.db, consentId));
  const latest = history[0];
  if (!latest) throw new ApiError(404, "not_found", `No consent is recorded under ${consentId}.`, "consentId");
  await audit(viewer, action, { consentId }, history.length);
  return { event: latest, history };
}

/** Every event under one consent id, the latest as the record. */
export async function readConsent(viewer: StaffViewer, consentId: string): Promise<StaffEventRecordWithDeclaration> {
  const record = await consentRecord(viewer, consentId, "view_consent");
  return { ...record, cookieDeclarationUrl: await declarationUrlOf(viewer, record.event.revision) };
}

/** Everything held under one consent id, ready to send to the person (GDPR Art. 15). */
export async function subjectAccessExport(
  viewer: StaffViewer,
  consentId: string,
  origin: string,
): Promise<SubjectAccessExport> {
  const { history } = await consentRecord(viewer, consentId, "export_subject_access");
  return {
    controller: "OpenContact Services Limited",
    consentId,
    exportedAt: new Date().toISOString(),
    explanation:
      "Every cookie choice recorded under this consent id, newest first: when it was received, what was chosen for each optional category, the privacy statement revision shown at the time (readable at privacyStatementUrl), and the technical details logged with it. IP addresses are only ever stored shortened to their network prefix.",
    events: history.map(({ id: _id, ...event }) => ({
      ...event,
      privacyStatementUrl: `${origin}/privacy/${event.revision}`,
    })),
  };
}

/** Per-day counts for a period, days without events included as zeros. */
export async function readStats(
  viewer: StaffViewer,
  period: { firstDay: string; lastDay: string; from: string; to: string; days: number },
): Promise<StaffStats> {
  const counts = await dbCall(() => dailyChoiceCounts(viewer.db, period.from, period.to));
  const byDay = new Map(counts.map((row) => [row.day, row]));
  const days: StaffDailyStats[] = [];
  for (let index = 0; index < period.days; index++) {
    const day = addDays(new Date(period.from), index).toISOString().slice(0, 10);
    days.push(byDay.get(day) ?? { day, events: 0, analytics: 0, functionality: 0, targeting: 0 });
  }
  const refusedOrigins = await dbCall(() => refusedOriginCounts(viewer.db, period.firstDay, period.lastDay));
  await audit(viewer, "stats", { from: period.firstDay, to: period.lastDay }, days.length);
  return { from: period.firstDay, to: period.lastDay, days, refusedOrigins };
}

/**
 * A visitor's receipt checked: its signature with `keys`, and its record
 * against the logged event with the record's id (and the notice's hash
 * against the revision the log holds). Comparing reads the log, so it is
 * audited, with the event id and the signature's outcome.
 */
export async function checkReceipt(
  viewer: StaffViewer,
  receipt: unknown,
  keys: readonly PublicReceiptKey[],
): Promise<ReceiptCheck> {
  const signature = await verifyReceipt(receipt, keys);
  const record = signature.record;
  if (!record) return { signature, log: { status: "not_compared" } };
  const stored = await dbCall(() => findEventByEventId(viewer.db, record.eventId.toLowerCase()));
  let log: ReceiptLogComparison = { status: "absent" };
  if (stored) {
    const revision = await dbCall(() => findRevision(viewer.db, stored.revision));
    const fields = logDifferences(record, stored, logHashOf(stored), revision?.sha256 ?? null);
    log = fields.length > 0 ? { status: "differs", fields } : { status: "matches" };
  }
  await audit(
    viewer,
    "verify_receipt",
    { eventId: record.eventId, kid: signature.kid, signatureValid: signature.valid, log: log.status },
    stored ? 1 : 0,
  );
  return { signature, log };
}

/** A page of the audit itself; looking at it is a look like any other, so it is audited too. */
export async function readAudit(viewer: StaffViewer, limit: number, before?: number): Promise<StaffAuditPage> {
  const page = await dbCall(() => listAuditPage(viewer.db, limit, before));
  await audit(viewer, "view_audit", { ...(before === undefined ? {} : { before }), limit }, page.entries.length);
  return page;
}

/** The audit page's panel: failed credential checks of the last day, by token name and IP prefix. */
export function readRecentAuthFailures(viewer: StaffViewer): Promise<AuthFailureGroup[]> {
  const since = new Date(Date.now() - FAILURES_SHOWN_MS).toISOString();
  return dbCall(() => listAuthFailures(viewer.db, since));
}

/**
 * The checkpoint key's public half, or null with what to fix: without it the
 * chain is still checked, but the checkpoints' signatures are not.
 */
async function checkpointPublicKey(
  checkpointKey: string | undefined,
): Promise<{ publicKey: string | null; keyProblem: string | null }> {
  try {
    return { publicKey: (await checkpointSigner(checkpointKey)).publicKey, keyProblem: null };
  } catch {
    return {
      publicKey: null,
      keyProblem: `${CHECKPOINT_KEY_FORMAT}: checkpoint signatures were not checked and the cron signs none (docs/deploy.md)`,
    };
  }
}

/**
 * Verifies the whole chain against the stored checkpoints and names the
 * first event that does not match. Reads every event (the personal data
 * included, to hash it), so it is audited like any other read, with the
 * number of events checked.
 */
export async function verifyLog(viewer: StaffViewer, checkpointKey: string | undefined): Promise<StaffLogIntegrity> {
  const { publicKey, keyProblem } = await checkpointPublicKey(checkpointKey);
  const checkpoints = await dbCall(() => listCheckpoints(viewer.db));
  const fromSeq = checkpoints.reduce(
    (seq, checkpoint) => (checkpoint.kind === "cut" ? Math.max(seq, checkpoint.seq) : seq),
    0,
  );
  const report = await dbCall(async () =>
    verifyChain({
      rows: chainBatches(viewer.db, fromSeq),
      checkpoints,
      publicKey,
      firstUnchained: await firstUnchainedEvent(viewer.db),
    }),
  );
  await audit(viewer, "verify_log", { valid: report.valid, headSeq: report.headSeq }, report.events);
  return { checkedAt: new Date().toISOString(), publicKey, keyProblem, ...report };
}

/** Every signed checkpoint with the public key, to keep outside Cloudflare (no personal data; audited all the same). */
export async function readCheckpoints(
  viewer: StaffViewer,
  checkpointKey: string | undefined,
): Promise<StaffCheckpointFile> {
  const { publicKey } = await checkpointPublicKey(checkpointKey);
  const checkpoints = await dbCall(() => listCheckpoints(viewer.db));
  await audit(viewer, "download_checkpoints", {}, checkpoints.length);
  return {
    log: "opencontact-consent",
    publicKey,
    message: CHECKPOINT_MESSAGE_FORMAT,
    downloadedAt: new Date().toISOString(),
    checkpoints,
  };
}

/**
 * Every event matching `filter` as a CSV stream. Audited before the first
 * byte, so an export that fails midway still shows who started it, and
 * again at the end (or on cancel) with the rows the client actually took.
 */
export async function exportCsv(
  viewer: StaffViewer,
  filter: EventFilter,
  params: FilterParams,
): Promise<ReadableStream<Uint8Array>> {
  await audit(viewer, "export_csv", params, null);
  return csvExportStream(eventBatches(viewer.db, filter), async (rows) => {
    try {
      await audit(viewer, "export_csv_done", params, rows);
    } catch {
      console.error("could not audit the end of a CSV export");
    }
  });
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

function eventCsvRow(event: StaffEvent): string {
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

/** Bytes handed over per read when the reader brings no buffer of its own. */
const CSV_CHUNK_BYTES = 65_536;

/**
 * The CSV of `batches` as a byte stream that hands over at most one read's
 * worth at a time (the reader's own buffer, or 64 KiB): a row counts as
 * delivered once its last byte is in a chunk the consumer pulled, so a
 * client that stops midway is audited with the rows it actually got, not
 * the batch waiting behind them. `finished` is called once with that number,
 * at the end or on cancel.
 */
export function csvExportStream(
  batches: AsyncIterator<StaffEvent[]>,
  finished: (rows: number) => Promise<void>,
): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  // The header line, then each batch's rows, encoded one row apiece.
  let rows: Uint8Array[] = [encoder.encode(csvRow(CSV_COLUMNS))];
  let headerPending = true;
  let index = 0;
  let offset = 0;
  let delivered = 0;
  let done = false;
  const finish = async () => {
    if (done) return;
    done = true;
    await finished(delivered);
  };
  /** Copies waiting rows into `target`, counting each row whose last byte fits; returns the bytes written. */
  const fill = (target: Uint8Array): number => {
    let written = 0;
    while (written < target.byteLength && index < rows.length) {
      const row = rows[index] as Uint8Array;
      const part = row.subarray(offset, offset + target.byteLength - written);
      target.set(part, written);
      written += part.byteLength;
      offset += part.byteLength;
      if (offset === row.byteLength) {
        if (headerPending) headerPending = false;
        else delivered += 1;
        index += 1;
        offset = 0;
      }
    }
    return written;
  };
  return new ReadableStream({
    type: "bytes",
    autoAllocateChunkSize: CSV_CHUNK_BYTES,
    async pull(controller) {
      // A reader's buffer to fill, or none when the runtime pulls for its own pump (workerd over HTTP).
      const request = controller.byobRequest;
      while (index === rows.length) {
        const next = await batches.next();
        if (next.done) {
          await finish();
          controller.close();
          request?.respond(0);
          return;
        }
        rows = next.value.map((event) => encoder.encode(eventCsvRow(event)));
        index = 0;
      }
      if (request?.view) {
        request.respond(fill(new Uint8Array(request.view.buffer, request.view.byteOffset, request.view.byteLength)));
      } else {
        const chunk = new Uint8Array(CSV_CHUNK_BYTES);
        controller.enqueue(chunk.subarray(0, fill(chunk)));
      }
    },
    async cancel() {
      await finish();
    },
  });
}
