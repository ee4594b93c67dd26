/**
 * @module
 * The staff reads, one function per look at the consent log, shared by the
 * staff pages and the staff JSON API. Each runs its query and writes its
 * audit row before returning anything, so no route can show data without
 * the audit (if the row cannot be written the caller gets a 503, no data).
 * Routes parse their parameters first, call one of these, and render.
 */
import type {
  ProofChain,
  ProofCheckpoint,
  ProofEvent,
  ProofLinkCheck,
  ProofReceipt,
  ReceiptCheck,
  ReceiptLogComparison,
  ShownTexts,
  StaffAuditPage,
  StaffCheckpointFile,
  StaffConsentProof,
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
  ruleSetChoiceCounts,
  searchEventsPage,
} from "../db/consent-events.ts";
import {
  chainBatches,
  chainRowsAt,
  firstUnchainedEvent,
  legacyMaxId,
  listCheckpoints,
  readChainHead,
} from "../db/log-chain.ts";
import { findRevision, findRevisionDeclaration, listRevisions, type PrivacyRevision } from "../db/privacy-revisions.ts";
import { refusedOriginCounts } from "../db/refused-origins.ts";
import { type AuthFailureGroup, listAuditPage, listAuthFailures } from "../db/staff-audit.ts";
import { findTextSets, type StoredTextSet } from "../db/text-sets.ts";
import { audit, type StaffViewer } from "./audit.ts";
import { csvRow } from "./csv.ts";
import { CURRENT } from "./current-revision.ts";
import { dbCall } from "./db-call.ts";
import { defaultTextsHash } from "./default-texts.ts";
import { ApiError } from "./errors.ts";
import {
  CHECKPOINT_KEY_FORMAT,
  CHECKPOINT_MESSAGE_FORMAT,
  type ChainRow,
  type Checkpoint,
  checkpointSignedBy,
  checkpointSigner,
  eventHash,
  GENESIS_HASH,
  verifyChain,
} from "./log-chain.ts";
import {
  buildReceiptRecord,
  logDifferences,
  logHashOf,
  type PublicReceiptKey,
  type ReceiptKeySet,
  signReceipt,
  verifyReceipt,
} from "./receipts.ts";
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

/** The current revision's own texts' hash: an event naming it read the defaults. */
const currentDefaultTexts = () => defaultTextsHash(CURRENT.revision, CURRENT.bannerTexts);

/** What an event's visitor read, from the sets held (`sets`, by hash). */
function shownTextsOf(event: StaffEvent, sets: Map<string, StoredTextSet>, defaultHash: string): ShownTexts {
  if (event.textsHash === null || (event.revision === CURRENT.revision && event.textsHash === defaultHash)) {
    return { status: "revision" };
  }
  const set = sets.get(event.textsHash);
  return set ? { status: "stored", firstSeenAt: set.firstSeenAt, texts: set.texts } : { status: "not_received" };
}

/**
 * The texts each of `events`' visitors read: one read of the sets they
 * name. The site's own texts, not personal data, read as part of the
 * audited look at the events.
 */
async function textsShownIn(viewer: StaffViewer, events: StaffEvent[]): Promise<(event: StaffEvent) => ShownTexts> {
  const hashes = events.flatMap((event) => (event.textsHash ? [event.textsHash] : []));
  const sets = await dbCall(() => findTextSets(viewer.db, hashes));
  const defaultHash = await currentDefaultTexts();
  return (event) => shownTextsOf(event, sets, defaultHash);
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
  const shownTexts = (await textsShownIn(viewer, [event]))(event);
  await audit(viewer, "view_event", { id, consentId: event.consentId }, history.length);
  return { event, history, cookieDeclarationUrl, shownTexts };
}

/** A consent id's whole history, newest first, with its latest event as the record. */
async function consentRecord(
  viewer: StaffViewer,
  consentId: string,
  action: "view_consent" | "export_subject_access",
): Promise<StaffEventRecord & { shown: (event: StaffEvent) => ShownTexts }> {
  const history = await dbCall(() => listEventsByConsentId(viewer.db, consentId));
  const latest = history[0];
  if (!latest) throw new ApiError(404, "not_found", `No consent is recorded under ${consentId}.`, "consentId");
  const shown = await textsShownIn(viewer, history);
  await audit(viewer, action, { consentId }, history.length);
  return { event: latest, history, shownTexts: shown(latest), shown };
}

/** Every event under one consent id, the latest as the record. */
export async function readConsent(viewer: StaffViewer, consentId: string): Promise<StaffEventRecordWithDeclaration> {
  const { shown: _shown, ...record } = await consentRecord(viewer, consentId, "view_consent");
  return { ...record, cookieDeclarationUrl: await declarationUrlOf(viewer, record.event.revision) };
}

/** Everything held under one consent id, ready to send to the person (GDPR Art. 15). */
export async function subjectAccessExport(
  viewer: StaffViewer,
  consentId: string,
  origin: string,
): Promise<SubjectAccessExport> {
  const { history, shown } = await consentRecord(viewer, consentId, "export_subject_access");
  return {
    controller: "OpenContact Services Limited",
    consentId,
    exportedAt: new Date().toISOString(),
    explanation:
      "Every cookie choice recorded under this consent id, newest first: when it was received, what was chosen for each optional category, how the choice was made (source: banner, dialog, placeholder or api; trusted: whether a real user action made it; null where not recorded), the privacy statement revision shown at the time (readable at privacyStatementUrl), the site's own privacy statement the banner linked to (privacyUrl, when it set one), the rules that applied (region: eea, uk or other, never the country beyond that; ruleSet: eea, opt-in, or uk, where analytics may be on unless the visitor objects, by this service's own lookup, with claimedRuleSet where the widget said it applied another; basis per category: consent, exception-not-objected or objected; null where not recorded), the banner texts read (shownTexts: the revision's own, the site's own in full, or not received yet), and the technical details logged with it. IP addresses are only ever stored shortened to their network prefix.",
    events: history.map(({ id: _id, ...event }) => ({
      ...event,
      privacyStatementUrl: `${origin}/privacy/${event.revision}`,
      shownTexts: shown({ id: _id, ...event }),
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
  const byRuleSet = await dbCall(() => ruleSetChoiceCounts(viewer.db, period.from, period.to));
  const refusedOrigins = await dbCall(() => refusedOriginCounts(viewer.db, period.firstDay, period.lastDay));
  await audit(viewer, "stats", { from: period.firstDay, to: period.lastDay }, days.length);
  return { from: period.firstDay, to: period.lastDay, days, byRuleSet, refusedOrigins };
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

/**
 * The links around one chained event: its hash recomputes from its stored
 * columns, its `prev_hash` is the previous event's hash (or the genesis, or
 * the signed retention cut's), and the next event's `prev_hash` is its hash.
 */
async function chainAround(
  row: ChainRow,
  rows: Map<number, ChainRow>,
  headSeq: number,
  cut: Checkpoint | null,
): Promise<ProofChain> {
  const { seq, hash, prev_hash: prevHash } = row;
  const computed = await eventHash(row);
  const checks: ProofLinkCheck[] = [
    computed === hash
      ? { link: "hash", ok: true, detail: "its stored columns hash to its stored hash" }
      : {
          link: "hash",
          ok: false,
          detail: `its stored columns hash to ${computed}, not its stored hash: a column was changed`,
        },
  ];
  const previous = rows.get(seq - 1);
  if (seq === 1) {
    checks.push({
      link: "previous",
      ok: prevHash === GENESIS_HASH,
      detail: "the first event of the chain: its prev_hash must be the genesis hash (64 zeros)",
    });
  } else if (previous) {
    checks.push({
      link: "previous",
      ok: prevHash === previous.hash,
      detail:
        prevHash === previous.hash
          ? `its prev_hash is the hash of event ${seq - 1}`
          : `its prev_hash is not the hash of event ${seq - 1}: an event before it was changed, removed or moved`,
    });
  } else if (cut?.seq === seq - 1) {
    checks.push({
      link: "previous",
      ok: prevHash === cut.hash,
      detail: `event ${seq - 1} was removed by the retention purge; its prev_hash ${prevHash === cut.hash ? "is" : "is not"} the hash of the signed cut of ${cut.at}`,
    });
  } else {
    checks.push({ link: "previous", ok: false, detail: `event ${seq - 1} is missing from the log` });
  }
  const next = rows.get(seq + 1);
  if (next) {
    checks.push({
      link: "next",
      ok: next.prev_hash === hash,
      detail:
        next.prev_hash === hash
          ? `event ${seq + 1}'s prev_hash is its hash`
          : `event ${seq + 1}'s prev_hash is not its hash: it was changed after event ${seq + 1} was logged`,
    });
  } else if (seq === headSeq) {
    checks.push({ link: "next", ok: true, detail: "the newest event of the chain: no event follows it yet" });
  } else {
    checks.push({
      link: "next",
      ok: false,
      detail: `event ${seq + 1} is missing: the chain goes on to event ${headSeq}`,
    });
  }
  return { status: "chained", seq, hash, prevHash, valid: checks.every((check) => check.ok), checks };
}

/**
 * The event's receipt rebuilt from the stored row, signed with the current
 * key (Ed25519 is deterministic: the visitor's copy is the same bytes when
 * the same key signed it) and checked with the published keys.
 */
async function rebuiltReceipt(
  event: StaffEvent,
  revision: PrivacyRevision | null,
  keys: ReceiptKeySet,
): Promise<ProofReceipt> {
  const noticeSha256 = revision?.sha256 ?? (event.revision === CURRENT.revision ? CURRENT.sha256 : null);
  if (!noticeSha256) {
    return {
      receipt: null,
      signature: null,
      problem: `revision ${event.revision} is not in the log's privacy revisions`,
    };
  }
  const record = buildReceiptRecord(event, noticeSha256, logHashOf(event));
  const { eventId, consentId, receivedAt, method, choices } = event;
  const summary = { eventId, consentId, receivedAt, revision: event.revision, method, choices };
  if (!keys.signer) {
    return {
      receipt: { ...summary, record, jws: null },
      signature: null,
      problem: "RECEIPT_SIGNING_KEYS has no usable signing key: the receipt is not signed (docs/proof.md)",
    };
  }
  const jws = await signReceipt(record, keys.signer);
  return { receipt: { ...summary, record, jws }, signature: await verifyReceipt(jws, keys.published), problem: null };
}

/**
 * A proof of consent for one person: every event under the consent id
 * (oldest first), the statement and cookie declaration each was given, each
 * event's links in the chain and its rebuilt, signed receipt, and the newest
 * signed checkpoint. The whole log is not verified here (it reads every
 * event); the proof points to the Log integrity page for that. Audited.
 */
export async function readProof(
  viewer: StaffViewer,
  consentId: string,
  keys: { receipts: ReceiptKeySet; checkpointKey: string | undefined },
  origin: string,
): Promise<StaffConsentProof> {
  const history = (await dbCall(() => listEventsByConsentId(viewer.db, consentId))).reverse();
  if (history.length === 0) {
    throw new ApiError(404, "not_found", `No consent is recorded under ${consentId}.`, "consentId");
  }
  const { publicKey, keyProblem } = await checkpointPublicKey(keys.checkpointKey);
  const [checkpoints, head, legacyMax] = await Promise.all([
    dbCall(() => listCheckpoints(viewer.db)),
    dbCall(() => readChainHead(viewer.db)),
    dbCall(() => legacyMaxId(viewer.db)),
  ]);
  // Checkpoints are listed in the order they were signed: the last of a kind is the newest.
  const daily = checkpoints.findLast((checkpoint) => checkpoint.kind === "daily") ?? null;
  const cut = checkpoints.findLast((checkpoint) => checkpoint.kind === "cut") ?? null;

  const seqs = new Set<number>(daily ? [daily.seq] : []);
  for (const { seq } of history) if (seq !== null) for (const near of [seq - 1, seq, seq + 1]) seqs.add(near);
  const rows = new Map((await dbCall(() => chainRowsAt(viewer.db, [...seqs]))).map((row) => [row.seq, row]));

  const shown = await textsShownIn(viewer, history);
  const revisions = new Map<string, PrivacyRevision | null>();
  for (const { revision } of history) {
    if (!revisions.has(revision)) revisions.set(revision, await dbCall(() => findRevision(viewer.db, revision)));
  }

  let checkpoint: ProofCheckpoint | null = null;
  if (daily) {
    const stored = rows.get(daily.seq);
    checkpoint = {
      checkpoint: daily,
      signatureValid: publicKey === null ? null : await checkpointSignedBy(daily, publicKey),
      matchesLog: stored ? stored.hash === daily.hash : daily.seq === 0 && daily.hash === GENESIS_HASH,
    };
  }

  const events: ProofEvent[] = [];
  for (const event of history) {
    const revision = revisions.get(event.revision) ?? null;
    const row = event.seq === null ? undefined : rows.get(event.seq);
    const chain: ProofChain = row
      ? await chainAround(row, rows, head.seq, cut)
      : { status: event.id <= legacyMax ? "before_chain" : "outside_chain" };
    events.push({
      event,
      shownTexts: shown(event),
      statement: {
        url: `${origin}/privacy/${event.revision}`,
        firstServedAt: revision?.firstServedAt ?? null,
        sha256: revision?.sha256 ?? null,
      },
      cookieDeclarationUrl: revision?.declaration ? `${origin}/cookies/${event.revision}` : null,
      chain,
      coveredByCheckpoint: chain.status === "chained" && daily !== null && daily.seq >= chain.seq,
      receipt: await rebuiltReceipt(event, revision, keys.receipts),
    });
  }
  await audit(viewer, "view_proof", { consentId }, history.length);
  return {
    consentId,
    generatedAt: new Date().toISOString(),
    events,
    headSeq: head.seq,
    checkpoint,
    checkpointKeyProblem: keyProblem,
    logIntegrityUrl: `${origin}/staff/log-integrity`,
  };
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
  return csvExportStream(withTextsShown(viewer.db, eventBatches(viewer.db, filter)), async (rows) => {
    try {
      await audit(viewer, "export_csv_done", params, rows);
    } catch {
      console.error("could not audit the end of a CSV export");
    }
  });
}

/** An exported row: the event and the banner texts its visitor read. */
export interface CsvEvent {
  event: StaffEvent;
  /** `revision`, `stored` or `not_received` (ShownTexts' status). */
  textsStatus: ShownTexts["status"];
  /** The stored set's JSON, exactly the bytes its hash covers; null unless stored. */
  textsJson: string | null;
}

/** Distinct text sets remembered per export; sites have a handful, so this bounds only a pathological log. */
const CSV_TEXT_SETS_KEPT = 1000;

/**
 * Each batch with the texts its events' visitors read: one read per batch
 * for the hashes not met before, each set's JSON kept once and shared by
 * every row that names it.
 */
async function* withTextsShown(db: D1Database, batches: AsyncIterable<StaffEvent[]>): AsyncGenerator<CsvEvent[]> {
  const known = new Map<string, StoredTextSet | null>();
  const defaultHash = await currentDefaultTexts();
  for await (const batch of batches) {
    const unseen = batch.flatMap((event) => (event.textsHash && !known.has(event.textsHash) ? [event.textsHash] : []));
    if (unseen.length > 0) {
      if (known.size > CSV_TEXT_SETS_KEPT) known.clear();
      const found = await findTextSets(db, unseen);
      for (const hash of unseen) known.set(hash, found.get(hash) ?? null);
    }
    const sets = new Map<string, StoredTextSet>();
    for (const [hash, set] of known) if (set) sets.set(hash, set);
    yield batch.map((event) => {
      const shown = shownTextsOf(event, sets, defaultHash);
      const json = shown.status === "stored" && event.textsHash ? (sets.get(event.textsHash)?.json ?? null) : null;
      return { event, textsStatus: shown.status, textsJson: json };
    });
  }
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
  "source",
  "trusted",
  "privacy_url",
  "region",
  "rule_set",
  "basis",
  "claimed_rule_set",
  "texts_status",
  "texts",
] as const;

function eventCsvRow({ event, textsStatus, textsJson }: CsvEvent): string {
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
    event.source,
    event.trusted,
    event.privacyUrl,
    event.region,
    event.ruleSet,
    event.basis === null ? null : JSON.stringify(event.basis),
    event.claimedRuleSet,
    textsStatus,
    textsJson,
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
  batches: AsyncIterator<CsvEvent[]>,
  finished: (rows: number) => Promise<void>,
): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  // The batch's events, each encoded only when its turn comes: a row may
  // carry a text set of up to 64 KB, so a whole encoded batch could be large.
  let rows: CsvEvent[] = [];
  let index = 0;
  // The bytes being handed over: the header line first, then one row at a time.
  let current: Uint8Array | null = encoder.encode(csvRow(CSV_COLUMNS));
  let headerPending = true;
  let offset = 0;
  let delivered = 0;
  let done = false;
  const finish = async () => {
    if (done) return;
    done = true;
    await finished(delivered);
  };
  /** Copies waiting bytes into `target`, counting each row whose last byte fits; returns the bytes written. */
  const fill = (target: Uint8Array): number => {
    let written = 0;
    while (written < target.byteLength) {
      if (!current) {
        const next = rows[index];
        if (!next) break;
        current = encoder.encode(eventCsvRow(next));
      }
      const part = current.subarray(offset, offset + target.byteLength - written);
      target.set(part, written);
      written += part.byteLength;
      offset += part.byteLength;
      if (offset === current.byteLength) {
        if (headerPending) headerPending = false;
        else {
          delivered += 1;
          index += 1;
        }
        current = null;
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
      while (!current && index === rows.length) {
        const next = await batches.next();
        if (next.done) {
          await finish();
          controller.close();
          request?.respond(0);
          return;
        }
        rows = next.value;
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
