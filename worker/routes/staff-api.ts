/**
 * @module
 * The staff JSON API (`/api/staff`): the consent log for scripts, with the
 * CSV and subject-access exports the staff pages link to. Behind the staff
 * guard (mounted before this in worker/index.ts); every look is audited.
 */
import { Hono } from "hono";
import type { StaffAuditPage, StaffEventPage, StaffEventRecord, StaffStats } from "../../shared/staff-api.ts";
import { findEventById, listEventsByConsentId } from "../db/consent-events.ts";
import { listAudit } from "../db/staff-audit.ts";
import { audit } from "../lib/audit.ts";
import { dbCall } from "../lib/db-call.ts";
import { ApiError } from "../lib/errors.ts";
import { csvExportStream, periodStats, searchPage, subjectAccessExport } from "../lib/staff-data.ts";
import {
  decodeCursor,
  filterParams,
  parseConsentId,
  parseEventFilter,
  parseId,
  parseLimit,
  parseStatsPeriod,
} from "../lib/staff-query.ts";
import type { AppEnv } from "../types.ts";

const staffApi = new Hono<AppEnv>();

staffApi.get("/events", async (c) => {
  const query = c.req.query();
  const params = filterParams(query);
  const filter = parseEventFilter(params);
  const after = decodeCursor(query.cursor);
  const page = await searchPage(c.env.DB, filter, parseLimit(query.limit), after);
  await audit(c, "search", { ...params, ...(query.cursor ? { cursor: query.cursor } : {}) }, page.events.length);
  return c.json<StaffEventPage>(page);
});

staffApi.get("/events.csv", async (c) => {
  const params = filterParams(c.req.query());
  const filter = parseEventFilter(params);
  // Audited before the first byte: an export that fails midway still shows who started it.
  await audit(c, "export_csv", params, null);
  const body = csvExportStream(c.env.DB, filter, async (rows) => {
    try {
      await audit(c, "export_csv_done", params, rows);
    } catch {
      console.error("could not audit the end of a CSV export");
    }
  });
  const day = new Date().toISOString().slice(0, 10);
  return c.body(body, 200, {
    "Content-Type": "text/csv; charset=utf-8; header=present",
    "Content-Disposition": `attachment; filename="consent-log-${day}.csv"`,
  });
});

staffApi.get("/events/:id", async (c) => {
  const id = parseId(c.req.param("id"));
  const event = await dbCall(() => findEventById(c.env.DB, id));
  if (!event) throw new ApiError(404, "not_found", `no event ${id}`, "id");
  const history = await dbCall(() => listEventsByConsentId(c.env.DB, event.consentId));
  await audit(c, "view_event", { id, consentId: event.consentId }, history.length);
  return c.json<StaffEventRecord>({ event, history });
});

staffApi.get("/consents/:consentId", async (c) => {
  const consentId = parseConsentId(c.req.param("consentId"));
  const events = await dbCall(() => listEventsByConsentId(c.env.DB, consentId));
  if (events.length === 0) throw new ApiError(404, "not_found", "no consent is recorded under this id", "consentId");
  await audit(c, "export_subject_access", { consentId }, events.length);
  const body = subjectAccessExport(consentId, events, new URL(c.req.url).origin, new Date());
  if (c.req.query("download") !== undefined) {
    c.header("Content-Disposition", `attachment; filename="consent-${consentId}.json"`);
  }
  return c.json(body);
});

staffApi.get("/stats", async (c) => {
  const period = parseStatsPeriod(c.req.query(), new Date());
  const days = await periodStats(c.env.DB, period);
  await audit(c, "stats", { from: period.firstDay, to: period.lastDay }, days.length);
  return c.json<StaffStats>({ from: period.firstDay, to: period.lastDay, days });
});

staffApi.get("/audit", async (c) => {
  const before = c.req.query("before");
  const limit = parseLimit(c.req.query("limit"), 100);
  const entries = await dbCall(() => listAudit(c.env.DB, limit + 1, before ? parseId(before) : undefined));
  const page = entries.slice(0, limit);
  const last = page.at(-1);
  return c.json<StaffAuditPage>({ entries: page, nextBefore: entries.length > limit && last ? last.id : null });
});

export default staffApi;
