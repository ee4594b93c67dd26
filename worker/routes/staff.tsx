/**
 * @module
 * The staff pages (`/staff`): search, records, statistics, the audit and
 * the log's integrity, rendered on the server and usable without
 * JavaScript. Behind the staff
 * guard (worker/middleware/staff-guard.ts); every look is audited. Errors
 * render as an HTML page here rather than the JSON envelope, and a refused
 * credential sends the browser to the sign-in page.
 */
import { Hono } from "hono";
import { viewerOf } from "../lib/audit.ts";
import { ApiError } from "../lib/errors.ts";
import { parseReceiptText, RECEIPT_TEXT_LIMIT, receiptKeys } from "../lib/receipts.ts";
import {
  AUDIT_PAGE_SIZE,
  checkReceipt,
  knownRevisions,
  PAGE_SIZE,
  readAudit,
  readConsent,
  readEvent,
  readProof,
  readRecentAuthFailures,
  readStats,
  searchLog,
  verifyLog,
} from "../lib/staff-data.ts";
import {
  filterParams,
  parseAuditBefore,
  parseConsentId,
  parseId,
  parseSearch,
  parseStatsPeriod,
} from "../lib/staff-query.ts";
import { isSecure, staffGuard } from "../middleware/staff-guard.ts";
import type { AppEnv } from "../types.ts";
import { AuditPage } from "../views/staff/audit.tsx";
import { RecordPage, SearchPage } from "../views/staff/events.tsx";
import { IntegrityPage } from "../views/staff/integrity.tsx";
import { ProofPage } from "../views/staff/proof.tsx";
import { ReceiptPage } from "../views/staff/receipt.tsx";
import { StaffErrorPage } from "../views/staff/shell.tsx";
import { StatsPage } from "../views/staff/stats.tsx";
import { signInRedirect } from "./staff-sign-in.tsx";

const staff = new Hono<AppEnv>();

// Here rather than in worker/index.ts, so that its refusals reach this onError.
staff.use("*", staffGuard);

staff.onError((err, c) => {
  if (err instanceof ApiError && err.status === 401) return signInRedirect(c);
  if (err instanceof ApiError) {
    for (const [name, value] of Object.entries(err.headers ?? {})) c.header(name, value);
    return c.html(<StaffErrorPage status={err.status} message={err.message} />, err.status);
  }
  console.error(`unhandled ${err.name} on ${c.req.method} ${c.req.routePath}`);
  return c.html(<StaffErrorPage status={500} message="Something went wrong." />, 500);
});

staff.get("/", async (c) => {
  const query = c.req.query();
  const search = parseSearch(query, PAGE_SIZE);
  const names = Object.keys(search.params);
  // A consent id on its own is a lookup: show that visitor's history.
  if (names.length === 1 && search.filter.consentId && !search.cursor) {
    return c.redirect(`/staff/consents/${search.filter.consentId}`, 303);
  }
  const viewer = viewerOf(c);
  const revisions = await knownRevisions(viewer);
  const asked = names.length > 0 || query.cursor !== undefined;
  const page = asked ? await searchLog(viewer, search) : null;
  return c.html(
    <SearchPage
      staff={viewer.staff}
      params={search.params}
      revisions={revisions}
      events={page?.events ?? null}
      nextCursor={page?.nextCursor ?? null}
      continued={query.cursor !== undefined}
    />,
  );
});

staff.get("/consents/:consentId", async (c) => {
  const consentId = parseConsentId(c.req.param("consentId"));
  const record = await readConsent(viewerOf(c), consentId);
  return c.html(<RecordPage staff={c.get("staff")} consentId={consentId} {...record} />);
});

staff.get("/consents/:consentId/proof", async (c) => {
  const consentId = parseConsentId(c.req.param("consentId"));
  const proof = await readProof(
    viewerOf(c),
    consentId,
    { receipts: receiptKeys(c.env.RECEIPT_SIGNING_KEYS, isSecure(c)), checkpointKey: c.env.CHECKPOINT_KEY },
    new URL(c.req.url).origin,
  );
  return c.html(<ProofPage staff={c.get("staff")} proof={proof} />);
});

staff.get("/events/:id", async (c) => {
  const id = parseId(c.req.param("id"));
  const record = await readEvent(viewerOf(c), id);
  return c.html(<RecordPage staff={c.get("staff")} consentId={record.event.consentId} {...record} />);
});

staff.get("/stats", async (c) => {
  const period = parseStatsPeriod(filterParams(c.req.query()), new Date());
  const { from, to, days, byRuleSet, refusedOrigins } = await readStats(viewerOf(c), period);
  return c.html(
    <StatsPage
      staff={c.get("staff")}
      firstDay={from}
      lastDay={to}
      days={days}
      byRuleSet={byRuleSet}
      refusedOrigins={refusedOrigins}
    />,
  );
});

staff.get("/audit", async (c) => {
  const before = parseAuditBefore(c.req.query("before"));
  const viewer = viewerOf(c);
  const { entries, nextBefore } = await readAudit(viewer, AUDIT_PAGE_SIZE, before);
  // The failed sign-ins panel heads the first page only.
  const failures = before === undefined ? await readRecentAuthFailures(viewer) : null;
  return c.html(<AuditPage staff={c.get("staff")} entries={entries} nextBefore={nextBefore} failures={failures} />);
});

staff.get("/receipts/verify", (c) => c.html(<ReceiptPage staff={c.get("staff")} />));

staff.post("/receipts/verify", async (c) => {
  const form = await c.req.parseBody();
  const pasted = typeof form.receipt === "string" ? form.receipt : "";
  // The form again, saying what is missing: a slip, not an error page.
  if (!pasted.trim()) return c.html(<ReceiptPage staff={c.get("staff")} message="Paste a receipt to check." />);
  if (pasted.length > RECEIPT_TEXT_LIMIT) {
    throw new ApiError(413, "payload_too_large", `A receipt is at most ${RECEIPT_TEXT_LIMIT} characters.`, "receipt");
  }
  const { published } = receiptKeys(c.env.RECEIPT_SIGNING_KEYS, isSecure(c));
  const check = await checkReceipt(viewerOf(c), parseReceiptText(pasted), published);
  return c.html(<ReceiptPage staff={c.get("staff")} pasted={pasted} check={check} />);
});

staff.get("/log-integrity", async (c) => {
  const report = await verifyLog(viewerOf(c), c.env.CHECKPOINT_KEY);
  return c.html(<IntegrityPage staff={c.get("staff")} report={report} />);
});

export default staff;
