/**
 * @module
 * The staff JSON API under `/api/staff`, for scripts: paths and response
 * shapes. Every route needs a staff credential (README "Staff consent log").
 */
import type { Choices } from "./categories.ts";
import type { ConsentMethod } from "./consent-schema.ts";

export const STAFF_API_PATH = "/api/staff";
export const STAFF_PAGES_PATH = "/staff";
export const STAFF_SIGN_IN_PATH = "/staff-sign-in";

/** Every field of one logged event, as staff see it. */
export interface StaffEvent {
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

/** `GET /api/staff/events`: one page, newest first; pass `nextCursor` as `cursor` for the next. */
export interface StaffEventPage {
  events: StaffEvent[];
  nextCursor: string | null;
}

/** `GET /api/staff/events/:id`: the event and its consent id's whole history. */
export interface StaffEventRecord {
  event: StaffEvent;
  history: StaffEvent[];
}

/** `GET /api/staff/consents/:consentId`: everything held under one consent id (GDPR Art. 15). */
export interface SubjectAccessExport {
  controller: string;
  consentId: string;
  exportedAt: string;
  explanation: string;
  events: (Omit<StaffEvent, "id"> & { privacyStatementUrl: string })[];
}

export interface StaffDailyStats {
  day: string;
  events: number;
  analytics: number;
  functionality: number;
  targeting: number;
}

/** `GET /api/staff/stats?from&to`: per-day counts, zeros included. */
export interface StaffStats {
  from: string;
  to: string;
  days: StaffDailyStats[];
}

export interface StaffAuditEntry {
  id: number;
  at: string;
  actor: string;
  via: "access" | "token" | "cron";
  action: string;
  query: string;
  rowCount: number | null;
}

/** `GET /api/staff/audit?before`: newest first. */
export interface StaffAuditPage {
  entries: StaffAuditEntry[];
  nextBefore: number | null;
}
