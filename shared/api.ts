/**
 * @module
 * The wire contract between widget, worker and staff scripts: paths, limits,
 * the receipt and the error envelope.
 */
import type { Choices } from "./categories.ts";
import type { ConsentMethod } from "./consent-schema.ts";

export const CONSENT_PATH = "/api/consent";

/** Largest consent body accepted; a real one is about 400 bytes. */
export const CONSENT_BODY_LIMIT = 4096;

/** What the worker answers for a stored (201) or repeated (200) event. */
export interface ConsentReceipt {
  eventId: string;
  consentId: string;
  receivedAt: string;
  revision: string;
  method: ConsentMethod;
  choices: Choices;
}

/** One event of a visitor's own history: no IP prefix, no user agent. */
export interface ConsentHistoryEntry extends ConsentReceipt {
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
