/**
 * @module
 * The consent API. POST records one visitor choice in the append-only log
 * (GDPR Art. 7(1): the controller must be able to prove consent); GET returns
 * a visitor's own history by the consent id only their browser holds.
 */
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { cors } from "hono/cors";
import * as v from "valibot";
import {
  CONSENT_BODY_LIMIT,
  type ConsentHistory,
  type ConsentHistoryEntry,
  type ConsentReceipt,
} from "../../shared/api.ts";
import { type ConsentEvent, ConsentEventSchema, UUID_V4_PATTERN } from "../../shared/consent-schema.ts";
import {
  type ConsentEventRecord,
  type ConsentEventRow,
  findEventByEventId,
  insertEventStatement,
  listEventsByConsentId,
  type NewConsentEvent,
  toConsentEvent,
} from "../db/consent-events.ts";
import { revisionExists } from "../db/privacy-revisions.ts";
import { CURRENT, recordCurrentRevision } from "../lib/current-revision.ts";
import { dbCall } from "../lib/db-call.ts";
import { ApiError, unavailable } from "../lib/errors.ts";
import { ipPrefix } from "../lib/ip-prefix.ts";
import { isAllowedOrigin } from "../lib/origins.ts";
import type { AppEnv } from "../types.ts";

const USER_AGENT_LIMIT = 512;

/** `sendBeacon` and keepalive fetches send text/plain to avoid a preflight. */
const ACCEPTED_MEDIA_TYPES = new Set(["application/json", "text/plain"]);

const consent = new Hono<AppEnv>();

// Preflight and CORS headers for allowed site origins only; others get none.
consent.use(
  "*",
  cors({
    origin: (origin, c) => (isAllowedOrigin(origin, c.env.ALLOWED_ORIGINS) ? origin : null),
    allowMethods: ["GET", "POST", "OPTIONS"],
    allowHeaders: ["Content-Type"],
    maxAge: 86400,
  }),
);

function receiptOf(event: ConsentEventRecord): ConsentReceipt {
  const { eventId, consentId, receivedAt, revision, method, choices } = event;
  return { eventId, consentId, receivedAt, revision, method, choices };
}

function historyEntryOf(event: ConsentEventRecord): ConsentHistoryEntry {
  const { pageUrl, language, gpc, widgetVersion } = event;
  return { ...receiptOf(event), pageUrl, language, gpc, widgetVersion };
}

/** Origin and path only: a query or fragment may carry personal data. */
function pageUrlWithoutQuery(pageUrl: string): string {
  const url = new URL(pageUrl);
  return `${url.origin}${url.pathname}`;
}

/** JSON exchanged between systems must be UTF-8 (RFC 8259 §8.1); a lossy decode would store text nobody sent. */
const UTF8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

function decodeBody(bytes: ArrayBuffer): string {
  try {
    return UTF8.decode(bytes);
  } catch {
    throw new ApiError(400, "invalid_json", "body is not valid UTF-8");
  }
}

function parseBody(text: string): ConsentEvent {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ApiError(400, "invalid_json", "body is not valid JSON");
  }
  const result = v.safeParse(ConsentEventSchema, json, { abortEarly: true });
  if (!result.success) {
    const issue = result.issues[0];
    const field = v.getDotPath(issue) ?? undefined;
    throw new ApiError(400, "invalid_body", issue.message, field);
  }
  return result.output;
}

/** Same event id but a different choice is a client bug, not a retry. */
function sameEvent(stored: ConsentEventRecord, posted: ConsentEvent): boolean {
  return (
    stored.consentId === posted.consentId &&
    stored.method === posted.method &&
    stored.revision === posted.revision &&
    stored.choices.analytics === posted.choices.analytics &&
    stored.choices.functionality === posted.choices.functionality &&
    stored.choices.targeting === posted.choices.targeting
  );
}

consent.post(
  "/",
  async (c, next) => {
    // Simple requests skip preflight, so the handler itself enforces the allow-list.
    const origin = c.req.header("Origin");
    if (!isAllowedOrigin(origin, c.env.ALLOWED_ORIGINS)) {
      throw new ApiError(
        403,
        "forbidden_origin",
        origin ? `origin ${origin} may not post consents` : "an Origin header is required",
        "Origin",
      );
    }
    await next();
  },
  async (c, next) => {
    const prefix = ipPrefix(c.req.header("CF-Connecting-IP"));
    c.set("ipPrefix", prefix);
    const { success } = await c.env.CONSENT_RATE_LIMITER.limit({ key: prefix ?? "unknown" });
    if (!success) {
      throw new ApiError(429, "rate_limited", "too many consent posts; retry in a minute", undefined, {
        "Retry-After": "60",
      });
    }
    await next();
  },
  bodyLimit({
    maxSize: CONSENT_BODY_LIMIT,
    onError: () => {
      throw new ApiError(413, "payload_too_large", `body must be at most ${CONSENT_BODY_LIMIT} bytes`);
    },
  }),
  async (c) => {
    const mediaType = (c.req.header("Content-Type") ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
    if (!ACCEPTED_MEDIA_TYPES.has(mediaType)) {
      throw new ApiError(
        415,
        "unsupported_media_type",
        "Content-Type must be application/json or text/plain",
        "Content-Type",
      );
    }
    const posted = parseBody(decodeBody(await c.req.arrayBuffer()));
    const db = c.env.DB;
    const receivedAt = new Date().toISOString();
    const event: NewConsentEvent = {
      eventId: posted.eventId.toLowerCase(),
      consentId: posted.consentId.toLowerCase(),
      receivedAt,
      method: posted.method,
      choices: posted.choices,
      revision: posted.revision,
      textsHash: posted.textsHash ?? null,
      pageUrl: pageUrlWithoutQuery(posted.pageUrl),
      userAgent: (c.req.header("User-Agent") ?? "").slice(0, USER_AGENT_LIMIT),
      ipPrefix: c.get("ipPrefix"),
      country: typeof c.req.raw.cf?.country === "string" ? c.req.raw.cf.country : null,
      language: posted.language,
      gpc: posted.gpc,
      widgetVersion: posted.widgetVersion,
    };

    const isCurrent = posted.revision === CURRENT.revision;
    if (!isCurrent && !(await dbCall(() => revisionExists(db, posted.revision)))) {
      throw new ApiError(
        422,
        "unknown_revision",
        `revision ${posted.revision} is not one this service has published`,
        "revision",
      );
    }
    // One batch is one transaction: the event and the text it refers to land together or not at all.
    const insert = insertEventStatement(db, event);
    const results = await dbCall(() =>
      isCurrent ? db.batch([recordCurrentRevision(db, receivedAt), insert]) : db.batch([insert]),
    );
    const inserted = results.at(-1)?.results[0] as ConsentEventRow | undefined;
    if (inserted) return c.json(receiptOf(toConsentEvent(inserted)), 201);

    const stored = await dbCall(() => findEventByEventId(db, event.eventId));
    // Not inserted and not found: the database is misbehaving; the client retries.
    if (!stored) throw unavailable();
    if (!sameEvent(stored, { ...posted, consentId: event.consentId })) {
      throw new ApiError(409, "event_conflict", "this eventId was already used for a different choice", "eventId");
    }
    return c.json(receiptOf(stored), 200);
  },
);

consent.get("/:consentId", async (c) => {
  const consentId = c.req.param("consentId");
  if (!UUID_V4_PATTERN.test(consentId)) {
    throw new ApiError(400, "bad_request", "consentId must be a UUID v4", "consentId");
  }
  const events = await dbCall(() => listEventsByConsentId(c.env.DB, consentId.toLowerCase()));
  if (events.length === 0) throw new ApiError(404, "not_found", "no consent is recorded under this id", "consentId");
  const history: ConsentHistory = { consentId: consentId.toLowerCase(), events: events.map(historyEntryOf) };
  // The history is personal data: never cache it in a shared cache.
  c.header("Cache-Control", "private, no-store");
  return c.json(history);
});

// RFC 9110 §15.5.6: a known resource with the wrong method is 405 with Allow.
for (const [path, allow] of [
  ["/", "POST, OPTIONS"],
  ["/:consentId", "GET, OPTIONS"],
] as const) {
  consent.all(path, (c) => {
    throw new ApiError(405, "method_not_allowed", `${c.req.method} is not allowed here; use ${allow}`, undefined, {
      Allow: allow,
    });
  });
}

export default consent;
