/**
 * @module
 * Reads staff search parameters from a query string, the same for the pages
 * and the JSON API: unknown or malformed values are a 400 naming the field,
 * never a silently wider search. Empty form fields mean "any".
 */
import { CATEGORY_IDS } from "../../shared/categories.ts";
import { CONSENT_METHODS, type ConsentMethod, UUID_V4_PATTERN } from "../../shared/consent-schema.ts";
import { REVISION_PATTERN } from "../../shared/revision.ts";
import type { EventCursor, EventFilter } from "../db/staff-queries.ts";
import { ApiError } from "./errors.ts";

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const DAY_MS = 86_400_000;

/** The query parameters a search understands, in form order. */
export const FILTER_PARAMS = [
  "consentId",
  "from",
  "to",
  "method",
  "revision",
  "path",
  "analytics",
  "functionality",
  "targeting",
] as const;

export type FilterParams = Partial<Record<(typeof FILTER_PARAMS)[number], string>>;

function badRequest(field: string, message: string): ApiError {
  return new ApiError(400, "bad_request", message, field);
}

/** A calendar day (UTC) as a Date at midnight, or a 400. */
export function parseDay(value: string, field: string): Date {
  const date = new Date(`${value}T00:00:00.000Z`);
  if (!DAY.test(value) || Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== value) {
    throw badRequest(field, `${field} must be a date as YYYY-MM-DD`);
  }
  return date;
}

export function addDays(date: Date, days: number): Date {
  return new Date(date.getTime() + days * DAY_MS);
}

/** The non-empty filter parameters of a query, for echoing into forms and links. */
export function filterParams(query: Record<string, string>): FilterParams {
  const params: FilterParams = {};
  for (const name of FILTER_PARAMS) {
    const value = query[name]?.trim();
    if (value) params[name] = value;
  }
  return params;
}

/** Validates search parameters into a filter; `to` is inclusive of its whole day. */
export function parseEventFilter(params: FilterParams): EventFilter {
  const filter: EventFilter = {};
  if (params.consentId !== undefined) {
    if (!UUID_V4_PATTERN.test(params.consentId)) throw badRequest("consentId", "consentId must be a UUID v4");
    filter.consentId = params.consentId.toLowerCase();
  }
  if (params.from !== undefined) filter.from = parseDay(params.from, "from").toISOString();
  if (params.to !== undefined) filter.to = addDays(parseDay(params.to, "to"), 1).toISOString();
  if (filter.from !== undefined && filter.to !== undefined && filter.from >= filter.to) {
    throw badRequest("to", "to must not be before from");
  }
  if (params.method !== undefined) {
    if (!(CONSENT_METHODS as readonly string[]).includes(params.method)) {
      throw badRequest("method", `method must be one of ${CONSENT_METHODS.join(", ")}`);
    }
    filter.method = params.method as ConsentMethod;
  }
  if (params.revision !== undefined) {
    if (!REVISION_PATTERN.test(params.revision)) {
      throw badRequest("revision", "revision must be 16 lowercase hex characters");
    }
    filter.revision = params.revision;
  }
  if (params.path !== undefined) {
    if (!params.path.startsWith("/") || params.path.length > 2048) {
      throw badRequest("path", "path must start with / and be at most 2048 characters");
    }
    filter.path = params.path;
  }
  for (const category of CATEGORY_IDS) {
    const value = params[category];
    if (value === undefined) continue;
    if (value !== "granted" && value !== "refused")
      throw badRequest(category, `${category} must be granted or refused`);
    filter[category] = value === "granted";
  }
  return filter;
}

/** Opaque cursor: base64url of `receivedAt|id` of the last row shown. */
export function encodeCursor(cursor: EventCursor): string {
  return btoa(`${cursor.receivedAt}|${cursor.id}`).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export function decodeCursor(value: string | undefined): EventCursor | undefined {
  if (!value) return undefined;
  let text: string;
  try {
    text = atob(value.replace(/-/g, "+").replace(/_/g, "/"));
  } catch {
    throw badRequest("cursor", "cursor is not one this service issued");
  }
  const match = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?Z)\|(\d{1,15})$/.exec(text);
  if (!match?.[1] || !match[2]) throw badRequest("cursor", "cursor is not one this service issued");
  return { receivedAt: match[1], id: Number(match[2]) };
}

/** Page size for the JSON API: 1 to 500, default 50. */
export function parseLimit(value: string | undefined, fallback = 50): number {
  if (value === undefined || value === "") return fallback;
  const limit = Number(value);
  if (!Number.isInteger(limit) || limit < 1 || limit > 500) throw badRequest("limit", "limit must be 1 to 500");
  return limit;
}

/** A positive row id (a path segment, or a parameter such as `before`), or a 400 naming it. */
export function parseId(value: string, field = "id"): number {
  if (!/^\d{1,15}$/.test(value) || Number(value) < 1) throw badRequest(field, `${field} must be a positive integer`);
  return Number(value);
}

/** Where an audit page starts: below the row id `before`, or at the newest row. */
export function parseAuditBefore(value: string | undefined): number | undefined {
  return value === undefined || value === "" ? undefined : parseId(value, "before");
}

/** A whole search, parsed before anything reads the log. */
export interface SearchRequest {
  params: FilterParams;
  filter: EventFilter;
  /** The cursor as sent, for the audit; `after` is what it decodes to. */
  cursor: string | undefined;
  after: EventCursor | undefined;
  limit: number;
}

export function parseSearch(query: Record<string, string>, limit: number): SearchRequest {
  const params = filterParams(query);
  const filter = parseEventFilter(params);
  const cursor = query.cursor || undefined;
  return { params, filter, cursor, after: decodeCursor(cursor), limit };
}

export function parseConsentId(value: string): string {
  if (!UUID_V4_PATTERN.test(value)) throw badRequest("consentId", "consentId must be a UUID v4");
  return value.toLowerCase();
}

/** Longest statistics period, so one query stays well under a second at any volume. */
export const MAX_STATS_DAYS = 731;

/** A statistics period of whole UTC days; defaults to the 30 days ending today. */
export function parseStatsPeriod(params: { from?: string; to?: string }, now: Date) {
  const today = parseDay(now.toISOString().slice(0, 10), "to");
  const last = params.to ? parseDay(params.to, "to") : today;
  const first = params.from ? parseDay(params.from, "from") : addDays(last, -29);
  if (first > last) throw badRequest("to", "to must not be before from");
  const days = Math.round((last.getTime() - first.getTime()) / DAY_MS) + 1;
  if (days > MAX_STATS_DAYS) throw badRequest("from", `a period may span at most ${MAX_STATS_DAYS} days`);
  return {
    firstDay: first.toISOString().slice(0, 10),
    lastDay: last.toISOString().slice(0, 10),
    from: first.toISOString(),
    to: addDays(last, 1).toISOString(),
    days,
  };
}
