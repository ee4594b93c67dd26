/**
 * @module
 * The staff pages (`/staff`): search, records, statistics and the audit,
 * rendered on the server and usable without JavaScript. Behind the staff
 * guard (mounted before this in worker/index.ts); every look is audited.
 * Errors render as an HTML page here rather than the JSON envelope.
 */
import { Hono } from "hono";
import { deleteCookie } from "hono/cookie";
import { secureHeaders } from "hono/secure-headers";
import { findEventById, listEventsByConsentId } from "../db/consent-events.ts";
import { listRevisions } from "../db/privacy-revisions.ts";
import { refusedOriginCounts } from "../db/refused-origins.ts";
import { listAudit } from "../db/staff-audit.ts";
import { audit } from "../lib/audit.ts";
import { SESSION_COOKIE } from "../lib/auth/session.ts";
import { dbCall } from "../lib/db-call.ts";
import { ApiError } from "../lib/errors.ts";
import { PAGE_SIZE, periodStats, searchPage } from "../lib/staff-data.ts";
import {
  decodeCursor,
  filterParams,
  parseConsentId,
  parseEventFilter,
  parseId,
  parseStatsPeriod,
} from "../lib/staff-query.ts";
import type { AppEnv } from "../types.ts";
import { AuditPage } from "../views/staff/audit.tsx";
import { RecordPage, SearchPage } from "../views/staff/events.tsx";
import { StaffErrorPage } from "../views/staff/shell.tsx";
import { StatsPage } from "../views/staff/stats.tsx";

/**
 * The staff pages' own policy: same-origin everything, no script at all, no
 * framing. Mounted before the global headers in worker/index.ts, because the
 * outer middleware writes its headers last and so decides.
 */
export const staffSecureHeaders = secureHeaders({
  contentSecurityPolicy: {
    defaultSrc: ["'self'"],
    scriptSrc: ["'none'"],
    objectSrc: ["'none'"],
    formAction: ["'self'"],
    baseUri: ["'none'"],
    frameAncestors: ["'none'"],
  },
  referrerPolicy: "no-referrer",
  crossOriginResourcePolicy: "same-origin",
});

const staff = new Hono<AppEnv>();

staff.onError((err, c) => {
  if (err instanceof ApiError) {
    for (const [name, value] of Object.entries(err.headers ?? {})) c.header(name, value);
    return c.html(<StaffErrorPage status={err.status} message={err.message} />, err.status);
  }
  console.error(`unhandled ${err.name} on ${c.req.method} ${c.req.routePath}`);
  return c.html(<StaffErrorPage status={500} message="Something went wrong." />, 500);
});

staff.get("/", async (c) => {
  const query = c.req.query();
  const params = filterParams(query);
  const filter = parseEventFilter(params);
  const names = Object.keys(params);
  // A consent id on its own is a lookup: show that visitor's history.
  if (names.length === 1 && filter.consentId && !query.cursor) {
    return c.redirect(`/staff/consents/${filter.consentId}`, 303);
  }
  const revisions = await dbCall(() => listRevisions(c.env.DB));
  const asked = names.length > 0 || query.cursor !== undefined;
  let events = null;
  let nextCursor: string | null = null;
  if (asked) {
    const after = decodeCursor(query.cursor);
    ({ events, nextCursor } = await searchPage(c.env.DB, filter, PAGE_SIZE, after));
    await audit(c, "search", { ...params, ...(query.cursor ? { cursor: query.cursor } : {}) }, events.length);
  }
  return c.html(
    <SearchPage
      staff={c.get("staff")}
      params={params}
      revisions={revisions}
      events={events}
      nextCursor={nextCursor}
      continued={query.cursor !== undefined}
    />,
  );
});

staff.get("/consents/:consentId", async (c) => {
  const consentId = parseConsentId(c.req.param("consentId"));
  const history = await dbCall(() => listEventsByConsentId(c.env.DB, consentId));
  const latest = history[0];
  if (!latest) throw new ApiError(404, "not_found", `No consent is recorded under ${consentId}.`, "consentId");
  await audit(c, "view_consent", { consentId }, history.length);
  return c.html(<RecordPage staff={c.get("staff")} consentId={consentId} event={latest} history={history} />);
});

staff.get("/events/:id", async (c) => {
  const id = parseId(c.req.param("id"));
  const event = await dbCall(() => findEventById(c.env.DB, id));
  if (!event) throw new ApiError(404, "not_found", `No event ${id} is in the log.`, "id");
  const history = await dbCall(() => listEventsByConsentId(c.env.DB, event.consentId));
  await audit(c, "view_event", { id, consentId: event.consentId }, history.length);
  return c.html(<RecordPage staff={c.get("staff")} consentId={event.consentId} event={event} history={history} />);
});

staff.get("/stats", async (c) => {
  const period = parseStatsPeriod(filterParams(c.req.query()), new Date());
  const days = await periodStats(c.env.DB, period);
  const refused = await dbCall(() => refusedOriginCounts(c.env.DB, period.firstDay, period.lastDay));
  await audit(c, "stats", { from: period.firstDay, to: period.lastDay }, days.length);
  return c.html(
    <StatsPage
      staff={c.get("staff")}
      firstDay={period.firstDay}
      lastDay={period.lastDay}
      days={days}
      refusedOrigins={refused}
    />,
  );
});

const AUDIT_PAGE_SIZE = 100;

staff.get("/audit", async (c) => {
  const before = c.req.query("before");
  const entries = await dbCall(() => listAudit(c.env.DB, AUDIT_PAGE_SIZE + 1, before ? parseId(before) : undefined));
  const page = entries.slice(0, AUDIT_PAGE_SIZE);
  const last = page.at(-1);
  const nextBefore = entries.length > AUDIT_PAGE_SIZE && last ? last.id : null;
  return c.html(<AuditPage staff={c.get("staff")} entries={page} nextBefore={nextBefore} />);
});

staff.post("/sign-out", (c) => {
  deleteCookie(c, SESSION_COOKIE, { path: "/" });
  return c.redirect("/staff-sign-in", 303);
});

export default staff;
