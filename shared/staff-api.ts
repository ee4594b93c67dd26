/**
 * @module
 * The staff JSON API under `/api/staff`, for scripts: paths and response
 * shapes. Every route needs a staff credential (README "Staff consent log").
 * These are the one definition of the staff data types: the database layer
 * maps its rows to them and the pages render them. A logged event is the
 * consent schema's own output plus what the worker adds on receipt.
 */
import type { ConsentReceipt, ReceiptVerification } from "./api.ts";
import type { ConsentEvent, ConsentSource } from "./consent-schema.ts";
import type { CategoryBases, Region, RuleSet } from "./rules.ts";
import type { TextSet } from "./text-set-schema.ts";

export const STAFF_API_PATH = "/api/staff";
export const STAFF_PAGES_PATH = "/staff";
export const STAFF_SIGN_IN_PATH = "/staff-sign-in";

/** Every field of one logged event, as staff see it. */
export interface StaffEvent
  extends Omit<ConsentEvent, "textsHash" | "source" | "trusted" | "privacyUrl" | "ruleSet" | "basis"> {
  /** Row id: the tie-breaker of newest-first order and the record's address. */
  id: number;
  receivedAt: string;
  /** Null when the visitor saw the default texts (the revision holds them). */
  textsHash: string | null;
  userAgent: string;
  /** The visitor's /24 or /48 network prefix, never the address. */
  ipPrefix: string | null;
  country: string | null;
  /** Its place in the tamper-evident chain and its SHA-256 (docs/proof.md); null for events logged before the chain began. */
  seq: number | null;
  hash: string | null;
  /** Where the choice was made; null: not recorded (an event from before, or an older widget). */
  source: ConsentSource | null;
  /** Whether a real user action made it; null: not recorded. */
  trusted: boolean | null;
  /** The site's own privacy statement the banner linked to; null when it linked this service's (or not recorded, when `source` is null too). */
  privacyUrl: string | null;
  /** The visitor's region as the worker saw it (issue 14); null: logged before regions were recorded. */
  region: Region | null;
  /**
   * The rule set that applied by the worker's own lookup for the request, and each category's basis
   * as the widget applied it; null: not recorded (an older widget).
   */
  ruleSet: RuleSet | null;
  basis: CategoryBases | null;
  /** The rule set the widget said it applied, only where it differs from `ruleSet`; both are kept. */
  claimedRuleSet: RuleSet | null;
}

/**
 * The banner texts the event's visitor read: the revision's own (the
 * statement at `/privacy/<revision>` holds them), the site's own set as the
 * widget sent it (its SHA-256 is the event's `textsHash`), or a hash whose
 * set the widget has not sent (yet).
 */
export type ShownTexts =
  | { status: "revision" }
  | { status: "stored"; firstSeenAt: string; texts: TextSet }
  | { status: "not_received" };

/** `GET /api/staff/events`: one page, newest first; pass `nextCursor` as `cursor` for the next. */
export interface StaffEventPage {
  events: StaffEvent[];
  nextCursor: string | null;
}

/** `GET /api/staff/events/:id`: the event and its consent id's whole history. */
export interface StaffEventRecord {
  event: StaffEvent;
  history: StaffEvent[];
  /** The texts `event`'s visitor read. */
  shownTexts: ShownTexts;
}

/** `GET /api/staff/consents/:consentId`: everything held under one consent id (GDPR Art. 15). */
export interface SubjectAccessExport {
  controller: string;
  consentId: string;
  exportedAt: string;
  explanation: string;
  events: (Omit<StaffEvent, "id"> & { privacyStatementUrl: string; shownTexts: ShownTexts })[];
}

/** One day of statistics: events and how many of them granted each category. */
export interface StaffDailyStats {
  day: string;
  events: number;
  analytics: number;
  functionality: number;
  targeting: number;
}

/** `GET /api/staff/stats?from&to`: per-day counts, zeros included. */
/** A site origin the consent API refused, and how often: a site missing from ALLOWED_ORIGINS. */
export interface RefusedOriginCount {
  origin: string;
  refusals: number;
}

/** A period's events under one rule set and how many granted each category; `none`: no rule set recorded (older widgets, events before issue 14). */
export interface StaffRuleSetStats {
  ruleSet: RuleSet | "none";
  events: number;
  analytics: number;
  functionality: number;
  targeting: number;
}

export interface StaffStats {
  from: string;
  to: string;
  days: StaffDailyStats[];
  /** The period split by rule set, in the order eea, none, uk; the parts add up to the days' totals. */
  byRuleSet: StaffRuleSetStats[];
  /** Origins refused in the period, most refused first (at most 100). */
  refusedOrigins: RefusedOriginCount[];
}

/** How a receipt's signed record compares with the log. */
export type ReceiptLogComparison =
  /** Every log fact of the record is the logged event's. */
  | { status: "matches" }
  /** The logged event says otherwise at these paths of the record. */
  | { status: "differs"; fields: string[] }
  /** No event with the record's id is in the log (never logged, or purged after retention). */
  | { status: "absent" }
  /** Nothing to compare: the receipt's signed part cannot be read. */
  | { status: "not_compared" };

/** `POST /api/staff/receipts/verify`: the signature checked with the published keys, and the record against the log. */
export interface ReceiptCheck {
  signature: ReceiptVerification;
  log: ReceiptLogComparison;
}

/** `access`: a Cloudflare Access JWT; `token`: a named staff token; `cron`: the retention purge. */
export type AuditVia = "access" | "token" | "cron";

export type AuditAction =
  | "search"
  | "view_event"
  | "view_consent"
  | "export_subject_access"
  | "export_csv"
  | "export_csv_done"
  | "stats"
  | "view_audit"
  | "verify_receipt"
  | "view_proof"
  | "verify_log"
  | "download_checkpoints"
  | "purge"
  | "sign_in"
  | "sign_out"
  | "auth_failure";

export interface StaffAuditEntry {
  id: number;
  at: string;
  actor: string;
  via: AuditVia;
  action: AuditAction;
  /** What was asked, as stored (JSON text). */
  query: string;
  rowCount: number | null;
}

/** `GET /api/staff/audit?before`: newest first. */
export interface StaffAuditPage {
  entries: StaffAuditEntry[];
  nextBefore: number | null;
}

/** One signed statement about the chain (worker/lib/log-chain.ts `Checkpoint`). */
export interface StaffCheckpoint {
  kind: "daily" | "cut";
  seq: number;
  hash: string;
  at: string;
  signature: string;
}

/** `GET /api/staff/checkpoints?download`: every checkpoint, to keep outside Cloudflare. */
export interface StaffCheckpointFile {
  log: "opencontact-consent";
  /** Ed25519, 32 bytes base64url: record it outside Cloudflare once, and verify with it (null: CHECKPOINT_KEY unset). */
  publicKey: string | null;
  /** How each signature's message is built (docs/proof.md). */
  message: string;
  downloadedAt: string;
  checkpoints: StaffCheckpoint[];
}

/** `GET /api/staff/log-integrity`: the whole chain verified against the stored checkpoints. */
export interface StaffLogIntegrity {
  checkedAt: string;
  valid: boolean;
  /** Chained events checked, from `fromSeq + 1` (after the newest retention cut) to `headSeq`. */
  events: number;
  fromSeq: number;
  headSeq: number;
  headHash: string;
  checkpoints: number;
  lastCheckpoint: StaffCheckpoint | null;
  /** Null when CHECKPOINT_KEY is missing or malformed; `keyProblem` then says what to set. */
  publicKey: string | null;
  keyProblem: string | null;
  /** The first event that does not match, and what differs. */
  firstProblem: { seq: number; eventId: string | null; id: number | null; problem: string } | null;
}

/** One check of an event's place in the chain, in words. */
export interface ProofLinkCheck {
  /** `hash`: its stored columns hash to its stored hash; `previous`/`next`: the links to the events either side. */
  link: "hash" | "previous" | "next";
  ok: boolean;
  detail: string;
}

/** An event's place in the tamper-evident log, checked around it (not the whole log). */
export type ProofChain =
  | { status: "chained"; seq: number; hash: string; prevHash: string; valid: boolean; checks: ProofLinkCheck[] }
  /** Logged before the chain began (migrations/0007_log_chain.sql): no position, nothing to check. */
  | { status: "before_chain" }
  /** Stored without a position after the chain began: written outside the worker. */
  | { status: "outside_chain" };

/** The newest signed daily checkpoint, and whether it still matches the log. */
export interface ProofCheckpoint {
  checkpoint: StaffCheckpoint;
  /** Null when CHECKPOINT_KEY is unusable: the signature was not checked. */
  signatureValid: boolean | null;
  /** The stored event at the checkpoint's position has the signed hash. */
  matchesLog: boolean;
}

/** An event's receipt rebuilt from the stored row, signed with the current key and checked with the published ones. */
export interface ProofReceipt {
  /** Null when the statement revision is not in the log, or no signing key is set (`problem` says which). */
  receipt: ConsentReceipt | null;
  signature: ReceiptVerification | null;
  problem: string | null;
}

export interface ProofEvent {
  event: StaffEvent;
  /** The banner texts the visitor read. */
  shownTexts: ShownTexts;
  /** The privacy statement shown: `/privacy/<revision>`, first served, SHA-256 of what it told the visitor. */
  statement: { url: string; firstServedAt: string | null; sha256: string | null };
  /** `/cookies/<revision>`, or null for a revision recorded before declarations were kept. */
  cookieDeclarationUrl: string | null;
  chain: ProofChain;
  /** The newest signed checkpoint is at or after this event's position. */
  coveredByCheckpoint: boolean;
  receipt: ProofReceipt;
}

/** `GET /api/staff/consents/:consentId/proof`: a proof of consent for one person, oldest event first. */
export interface StaffConsentProof {
  consentId: string;
  generatedAt: string;
  events: ProofEvent[];
  /** The chain's newest position when the proof was made. */
  headSeq: number;
  /** The newest daily checkpoint, or null when none is signed yet. */
  checkpoint: ProofCheckpoint | null;
  /** What to set when CHECKPOINT_KEY is unusable (checkpoint signatures then go unchecked). */
  checkpointKeyProblem: string | null;
  /** The whole log is verified there, not on every proof (it reads every event). */
  logIntegrityUrl: string;
}
