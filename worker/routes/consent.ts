/**
 * @module
 * The consent API. POST records one visitor choice in the append-only log
 * (GDPR Art. 7(1): the controller must be able to prove consent); GET returns
 * a visitor's own history by the consent id only their browser holds.
 */
import { Hono } from "hono";
import * as v from "valibot";
import {
  CONSENT_BODY_LIMIT,
  type ConsentEventSummary,
  type ConsentHistory,
  type ConsentHistoryEntry,
  type ConsentReceipt,
} from "../../shared/api.ts";
import { type ConsentEvent, ConsentEventSchema, UUID_V4_PATTERN } from "../../shared/consent-schema.ts";
import { EXCEPTION_CATEGORIES, type Region, type RuleSet } from "../../shared/rules.ts";
import {
  type ConsentEventRecord,
  listEventsByConsentId,
  type NewConsentEvent,
  recordEvent,
} from "../db/consent-events.ts";
import { findRevision } from "../db/privacy-revisions.ts";
import { textSetHeldStatement } from "../db/text-sets.ts";
import { CURRENT, recordCurrentRevision } from "../lib/current-revision.ts";
import { dbCall } from "../lib/db-call.ts";
import { defaultTextsHash } from "../lib/default-texts.ts";
import { ApiError, unavailable } from "../lib/errors.ts";
import { buildReceiptRecord, logHashOf, receiptKeys, signReceipt } from "../lib/receipts.ts";
import { rulesOfRequest, rulesSettings } from "../lib/rules.ts";
import { allowedOrigin } from "../middleware/allowed-origin.ts";
import { consentCors } from "../middleware/consent-cors.ts";
import { consentRateLimit } from "../middleware/consent-rate-limit.ts";
import { jsonBody } from "../middleware/json-body.ts";
import type { AppEnv } from "../types.ts";

const USER_AGENT_LIMIT = 512;

const consent = new Hono<AppEnv>();

consent.use("*", consentCors);

function summaryOf(event: ConsentEventRecord): ConsentEventSummary {
  const { eventId, consentId, receivedAt, revision, method, choices } = event;
  return { eventId, consentId, receivedAt, revision, method, choices };
}

/**
 * The summary with the signed record. Built only from stored fields, and
 * Ed25519 signatures are deterministic, so a repeat gets the same receipt.
 * Signing never costs a choice: the event is stored already, so a failure
 * only leaves `jws` null (and is logged).
 */
async function receiptOf(event: ConsentEventRecord, noticeSha256: string, env: Env, secure: boolean) {
  const record = buildReceiptRecord(event, noticeSha256, logHashOf(event));
  const { signer } = receiptKeys(env.RECEIPT_SIGNING_KEYS, secure);
  let jws: string | null = null;
  try {
    if (signer) jws = await signReceipt(record, signer);
  } catch {
    console.error("signing a consent receipt failed; answered without jws");
  }
  return { ...summaryOf(event), record, jws } satisfies ConsentReceipt;
}

function historyEntryOf(event: ConsentEventRecord): ConsentHistoryEntry {
  const { pageUrl, language, gpc, widgetVersion } = event;
  return { ...summaryOf(event), pageUrl, language, gpc, widgetVersion };
}

/** JSON exchanged between systems must be UTF-8 (RFC 8259 §8.1); a lossy decode would store text nobody sent. */
const UTF8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });
/** The same, keeping a leading BOM: a user agent is stored byte for byte. */
const UTF8_EXACT = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/**
 * Origin and path only: a query or fragment may carry personal data. The page
 * must be on the site that posts (its `Origin`), or the log would attribute
 * a consent to a site the visitor never saw.
 */
function pageUrlOnOrigin(pageUrl: string, origin: string | undefined): string {
  const url = new URL(pageUrl);
  if (url.origin !== origin) {
    throw new ApiError(400, "invalid_body", `pageUrl must be a page of the posting origin ${origin}`, "pageUrl");
  }
  return `${url.origin}${url.pathname}`;
}

/**
 * Header values reach the worker as one character per byte (Latin-1, Fetch
 * standard), so a UTF-8 user agent would be stored as mojibake. Bytes that
 * are valid UTF-8 are decoded as such; any other bytes stay one character
 * each, which keeps them exactly. Cut at a whole character: half a
 * surrogate pair would be stored as U+FFFD.
 */
function userAgentOf(header: string | undefined): string {
  const latin1 = header ?? "";
  let text = latin1;
  if (/[\x80-\xff]/.test(latin1)) {
    try {
      text = UTF8_EXACT.decode(Uint8Array.from(latin1, (char) => char.charCodeAt(0)));
    } catch {
      // Not UTF-8: the Latin-1 reading is the exact one.
    }
  }
  const cut = text.slice(0, USER_AGENT_LIMIT);
  return /[\ud800-\udbff]$/.test(cut) ? cut.slice(0, -1) : cut;
}

function decodeBody(bytes: ArrayBuffer): string {
  try {
    return UTF8.decode(bytes);
  } catch {
    throw new ApiError(400, "invalid_json", "body is not valid UTF-8");
  }
}

/**
 * The rules to store for a post. The rule set is the worker's own lookup for
 * this request whenever the widget says which it applied; where the widget's
 * differs (a visitor whose network moved between reading /api/rules and
 * choosing, a VPN), it is kept beside it as `claimedRuleSet`, so the log shows
 * both and loses nothing the widget did. The bases are the widget's; under
 * `uk` only the site's configured categories may be in the exception.
 */
function rulesOf(
  posted: ConsentEvent,
  request: Request,
  env: Env,
): { region: Region; ruleSet: RuleSet | null; claimedRuleSet: RuleSet | null } {
  const { region, ruleSet } = rulesOfRequest(request, env);
  if (posted.ruleSet === "uk" && posted.basis) {
    const { ukException } = rulesSettings(env);
    for (const category of EXCEPTION_CATEGORIES) {
      if (posted.basis[category] !== "consent" && !ukException.includes(category)) {
        throw new ApiError(
          400,
          "invalid_body",
          `basis.${category} must be consent: ${category} is not under the UK exception on this site (UK_EXCEPTION)`,
          `basis.${category}`,
        );
      }
    }
  }
  if (!posted.ruleSet) return { region, ruleSet: null, claimedRuleSet: null };
  return { region, ruleSet, claimedRuleSet: posted.ruleSet === ruleSet ? null : posted.ruleSet };
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

consent.post(
  "/",
  // The limit comes first: a refused origin is counted in D1, and no write may escape it.
  consentRateLimit,
  allowedOrigin,
  jsonBody(CONSENT_BODY_LIMIT),
  async (c) => {
    const posted = parseBody(decodeBody(await c.req.arrayBuffer()));
    const { region, ruleSet, claimedRuleSet } = rulesOf(posted, c.req.raw, c.env);
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
      pageUrl: pageUrlOnOrigin(posted.pageUrl, c.req.header("Origin")),
      userAgent: userAgentOf(c.req.header("User-Agent")),
      ipPrefix: c.get("ipPrefix"),
      country: typeof c.req.raw.cf?.country === "string" ? c.req.raw.cf.country : null,
      language: posted.language,
      gpc: posted.gpc,
      widgetVersion: posted.widgetVersion,
      source: posted.source ?? null,
      trusted: posted.trusted ?? null,
      privacyUrl: posted.privacyUrl ?? null,
      region,
      ruleSet,
      basis: posted.basis ?? null,
      claimedRuleSet,
    };

    const isCurrent = posted.revision === CURRENT.revision;
    // An earlier revision's hash (for the receipt) comes from the row that proves it was published.
    const earlier = isCurrent ? null : await dbCall(() => findRevision(db, posted.revision));
    if (!isCurrent && !earlier) {
      throw new ApiError(
        422,
        "unknown_revision",
        `revision ${posted.revision} is not one this service has published`,
        "revision",
      );
    }
    // The site's own texts may be wanted; the revision's own are held already. The check
    // reads in the event's own transaction, so the purge cannot remove the set in between.
    const revisionTexts = earlier?.bannerTexts ?? CURRENT.bannerTexts;
    const siteTexts =
      event.textsHash !== null && event.textsHash !== (await defaultTextsHash(posted.revision, revisionTexts))
        ? event.textsHash
        : null;
    const alongside = [
      ...(isCurrent ? [recordCurrentRevision(db, receivedAt)] : []),
      ...(siteTexts ? [textSetHeldStatement(db, siteTexts)] : []),
    ];
    const { outcome, record, alongside: read } = await dbCall(() => recordEvent(db, event, alongside));
    // Neither written nor found: the database is misbehaving; the client retries.
    if (outcome === "missing") throw unavailable();
    if (outcome === "conflict") {
      throw new ApiError(409, "event_conflict", "this eventId was already used for a different choice", "eventId");
    }
    const noticeSha256 = earlier?.sha256 ?? CURRENT.sha256;
    const receipt = await receiptOf(record, noticeSha256, c.env, new URL(c.req.url).protocol === "https:");
    const textsWanted = siteTexts !== null && record.textsHash === siteTexts && !read.at(-1)?.results.length;
    return c.json(textsWanted ? { ...receipt, textsWanted: true } : receipt, outcome === "created" ? 201 : 200);
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
