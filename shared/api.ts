/**
 * @module
 * The wire contract between widget, worker and staff scripts: paths, limits,
 * the receipt and the error envelope.
 */
import type { CategoryId, Choices } from "./categories.ts";
import type { ConsentMethod, ConsentSource } from "./consent-schema.ts";
import type { Region, RuleSet } from "./rules.ts";

export const CONSENT_PATH = "/api/consent";

/**
 * Largest consent body accepted; a real one is about 400 bytes. Room for a
 * page URL and a privacy URL of 2048 characters each besides the rest.
 */
export const CONSENT_BODY_LIMIT = 8192;

/** `PUT ${TEXTS_PATH}/<textsHash>`: the site's own banner texts, once, when a consent answer said `textsWanted`. */
export const TEXTS_PATH = "/api/texts";

/** Largest text set accepted (bytes). */
export const TEXTS_BODY_LIMIT = 65_536;

/** `PUT /api/texts/:hash` answers: 201 `{ stored: true }` for a new set, 200 `{ stored: false }` for one already held. */
export interface TextsStored {
  stored: boolean;
}

/** One logged choice in brief: what a receipt and a history entry both start with. */
export interface ConsentEventSummary {
  eventId: string;
  consentId: string;
  receivedAt: string;
  revision: string;
  method: ConsentMethod;
  choices: Choices;
}

/**
 * The data controller, in the privacy statement's own words
 * (content/privacy-statement.md, "Registered company" and "Data Controller";
 * test/worker/receipts.test.ts checks they appear there verbatim).
 */
export const CONTROLLER = {
  name: "OpenContact Services Limited",
  registeredNumber: "4064781",
  registeredIn: "England",
  registeredOffice: "Norfolk Tower, 48-52 Surrey Street, Norwich, NR1 3PA",
  contact: "info@opencontact.co.uk",
} as const;

/**
 * A purpose's state on a receipt: consent granted, not granted, or not
 * granted by a withdrawal; or, under the UK exception (issue 14), on because
 * the visitor was informed and did not object, or off because they objected.
 * No consent was given in the last two, so the receipt never says "given".
 */
export type PurposeState = "given" | "refused" | "withdrawn" | "not-objected" | "objected";

/** The purpose states under which a category is on. */
export const PURPOSE_ON: readonly PurposeState[] = ["given", "not-objected"];

/** Names the receipt format; a later shape gets a new one, so old receipts keep their meaning. */
export const RECEIPT_FORMAT = "opencontact-consent-receipt/1";

/**
 * The signed consent record, shaped after ISO/IEC TS 27560 (consent record
 * information structure): record id (`eventId`), the pseudonymous principal
 * (`consentId`), the controller, the notice shown, the purposes and their
 * states, how consent was expressed (`method`), when, and the event's hash
 * in the log. Built only from stored fields, so it is the same every time.
 */
export interface ConsentReceiptRecord {
  format: typeof RECEIPT_FORMAT;
  eventId: string;
  consentId: string;
  time: string;
  controller: typeof CONTROLLER;
  notice: {
    /** The privacy revision shown (`/privacy/<revision>` serves it). */
    revision: string;
    /** SHA-256 hex of everything the revision told the visitor (statement, banner texts, cookie declaration). */
    sha256: string;
    /** SHA-256 hex of the texts shown when the site overrode the defaults, else null. */
    textsHash: string | null;
  };
  method: ConsentMethod;
  /**
   * How the choice was made, with `method` the "how consent was expressed"
   * element: where (`source`) and whether a real user action made it
   * (`trusted`). Present only when the event recorded either (null where
   * one was not recorded), so receipts of earlier events keep their shape.
   */
  methodDetail?: { source: ConsentSource | null; trusted: boolean | null };
  /**
   * The rules the choice was made under (issue 14): the visitor's region as
   * the worker saw it and the rule set the widget applied. Present only when
   * the widget recorded a rule set, so receipts of other events keep their shape.
   */
  rules?: { region: Region | null; ruleSet: RuleSet };
  purposes: { id: CategoryId; state: PurposeState }[];
  /** The event's hash in the tamper-evident log (64 hex), or null where the log has none. */
  logHash: string | null;
}

/** Where the worker publishes the receipt keys (RFC 7517 JWK Set). */
export const RECEIPT_KEYS_PATH = "/.well-known/consent-receipt-keys";

/** What the worker answers for a stored (201) or repeated (200) event. */
export interface ConsentReceipt extends ConsentEventSummary {
  /** The record, readable; `jws` carries the same record signed. */
  record: ConsentReceiptRecord;
  /**
   * The record as a JWS compact serialization (RFC 7515), EdDSA over Ed25519
   * (RFC 8037), its `kid` one of the keys at `RECEIPT_KEYS_PATH`; null when
   * the worker has no usable signing key (the choice is stored all the same).
   */
  jws: string | null;
  /**
   * Present (true) when the event carries a `textsHash` the worker holds no
   * texts for: the widget then sends them once (`PUT /api/texts/<hash>`).
   * Not part of the signed record.
   */
  textsWanted?: true;
}

/** The outcome of checking a receipt's signature: why not, when it fails. */
export type ReceiptVerification =
  | { valid: true; kid: string; record: ConsentReceiptRecord }
  | {
      valid: false;
      reason: string;
      kid: string | null;
      /** What the signed part claims, unverified (null when it cannot be read): for comparing with the log. */
      record: ConsentReceiptRecord | null;
    };

/** One event of a visitor's own history: no IP prefix, no user agent. */
export interface ConsentHistoryEntry extends ConsentEventSummary {
  pageUrl: string;
  language: string;
  gpc: boolean;
  widgetVersion: string;
}

export interface ConsentHistory {
  consentId: string;
  events: ConsentHistoryEntry[];
}

export const ERROR_CODES = [
  "bad_request",
  "invalid_body",
  "invalid_json",
  "unsupported_media_type",
  "forbidden_origin",
  "payload_too_large",
  "unknown_revision",
  "event_conflict",
  "rate_limited",
  "not_found",
  "method_not_allowed",
  "unauthorized",
  "forbidden",
  "unavailable",
  "internal",
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/** Every error the worker returns has this shape. */
export interface ErrorBody {
  error: { code: ErrorCode; message: string; field?: string };
}
