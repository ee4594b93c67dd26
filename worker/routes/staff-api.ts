/**
 * @module
 * The staff JSON API (`/api/staff`): the consent log for scripts, with the
 * CSV and subject-access exports the staff pages link to. Behind the staff
 * guard (mounted before this in worker/index.ts); every look is audited by
 * the staff reads it calls. Parameters are all parsed before any read.
 */
import { Hono } from "hono";
import { UUID_V4_PATTERN } from "../../shared/consent-schema.ts";
import type {
  ReceiptCheck,
  StaffAuditPage,
  StaffCheckpointFile,
  StaffConsentProof,
  StaffEventPage,
  StaffEventRecord,
  StaffLogIntegrity,
  StaffStats,
} from "../../shared/staff-api.ts";
import { viewerOf } from "../lib/audit.ts";
import { ApiError } from "../lib/errors.ts";
import { parseReceiptText, RECEIPT_TEXT_LIMIT, receiptKeys } from "../lib/receipts.ts";
import {
  AUDIT_PAGE_SIZE,
  checkReceipt,
  exportCsv,
  readAudit,
  readCheckpoints,
  readEvent,
  readProof,
  readStats,
  searchLog,
  subjectAccessExport,
  verifyLog,
} from "../lib/staff-data.ts";
import {
  filterParams,
  parseAuditBefore,
  parseConsentId,
  parseEventFilter,
  parseId,
  parseLimit,
  parseSearch,
  parseStatsPeriod,
} from "../lib/staff-query.ts";
import type { AppEnv } from "../types.ts";

const staffApi = new Hono<AppEnv>();

staffApi.get("/events", async (c) => {
  const query = c.req.query();
  const search = parseSearch(query, parseLimit(query.limit));
  return c.json<StaffEventPage>(await searchLog(viewerOf(c), search));
});

staffApi.get("/events.csv", async (c) => {
  const params = filterParams(c.req.query());
  const body = await exportCsv(viewerOf(c), parseEventFilter(params), params);
  const day = new Date().toISOString().slice(0, 10);
  return c.body(body, 200, {
    "Content-Type": "text/csv; charset=utf-8; header=present",
    "Content-Disposition": `attachment; filename="consent-log-${day}.csv"`,
  });
});

staffApi.get("/events/:id", async (c) => {
  const id = parseId(c.req.param("id"));
  return c.json<StaffEventRecord>(await readEvent(viewerOf(c), id));
});

staffApi.get("/consents/:consentId", async (c) => {
  const consentId = parseConsentId(c.req.param("consentId"));
  const body = await subjectAccessExport(viewerOf(c), consentId, new URL(c.req.url).origin);
  if (c.req.query("download") !== undefined) {
    c.header("Content-Disposition", `attachment; filename="consent-${consentId}.json"`);
  }
  return c.json(body);
});

/** The proof of consent as JSON; `?download=receipt&event=<eventId>` saves one event's rebuilt receipt instead. */
staffApi.get("/consents/:consentId/proof", async (c) => {
  const consentId = parseConsentId(c.req.param("consentId"));
  const { download, event: eventId } = c.req.query();
  const receiptOf = download === "receipt" ? eventId?.toLowerCase() : undefined;
  if (download !== undefined && (download !== "receipt" || !receiptOf || !UUID_V4_PATTERN.test(receiptOf))) {
    throw new ApiError(400, "bad_request", "download=receipt needs event=<the event id, a UUID v4>", "event");
  }
  const secure = new URL(c.req.url).protocol === "https:";
  const proof = await readProof(
    viewerOf(c),
    consentId,
    { receipts: receiptKeys(c.env.RECEIPT_SIGNING_KEYS, secure), checkpointKey: c.env.CHECKPOINT_KEY },
    new URL(c.req.url).origin,
  );
  if (!receiptOf) return c.json<StaffConsentProof>(proof);
  const receipt = proof.events.find(({ event }) => event.eventId === receiptOf)?.receipt.receipt;
  if (!receipt) throw new ApiError(404, "not_found", `No receipt for event ${receiptOf} under ${consentId}.`, "event");
  c.header("Content-Disposition", `attachment; filename="consent-receipt-${receiptOf}.json"`);
  return c.json(receipt);
});

staffApi.get("/stats", async (c) => {
  const period = parseStatsPeriod(c.req.query(), new Date());
  return c.json<StaffStats>(await readStats(viewerOf(c), period));
});

staffApi.get("/audit", async (c) => {
  const before = parseAuditBefore(c.req.query("before"));
  const limit = parseLimit(c.req.query("limit"), AUDIT_PAGE_SIZE);
  return c.json<StaffAuditPage>(await readAudit(viewerOf(c), limit, before));
});

/** The body is the receipt as the visitor holds it: the worker's JSON answer, or its JWS text. */
staffApi.post("/receipts/verify", async (c) => {
  const text = await c.req.text();
  if (text.length > RECEIPT_TEXT_LIMIT) {
    throw new ApiError(413, "payload_too_large", `a receipt must be at most ${RECEIPT_TEXT_LIMIT} characters`);
  }
  const { published } = receiptKeys(c.env.RECEIPT_SIGNING_KEYS, new URL(c.req.url).protocol === "https:");
  return c.json<ReceiptCheck>(await checkReceipt(viewerOf(c), parseReceiptText(text), published));
});

staffApi.get("/log-integrity", async (c) => {
  return c.json<StaffLogIntegrity>(await verifyLog(viewerOf(c), c.env.CHECKPOINT_KEY));
});

staffApi.get("/checkpoints", async (c) => {
  const file = await readCheckpoints(viewerOf(c), c.env.CHECKPOINT_KEY);
  if (c.req.query("download") !== undefined) {
    c.header(
      "Content-Disposition",
      `attachment; filename="consent-log-checkpoints-${file.downloadedAt.slice(0, 10)}.json"`,
    );
  }
  return c.json<StaffCheckpointFile>(file);
});

export default staffApi;
