/**
 * The staff audit: every search, record view, export, statistics query and
 * look at the audit itself leaves a row saying who asked what and how many
 * rows came back; no route edits or deletes it, the database refuses updates
 * and recent deletes, and no data is shown when the audit cannot be written.
 */
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import type { StaffAuditPage, StaffEventPage } from "../../shared/staff-api.ts";
import { app } from "../../worker/index.ts";
import { freshLog, newEvent, seed } from "./helpers.ts";
import { auditRows, staffEnv, staffRequest } from "./staff-helpers.ts";

beforeEach(freshLog);

describe("staff audit", () => {
  it("records every kind of access with who, what was asked and how many rows", async () => {
    const consentId = crypto.randomUUID();
    await seed([newEvent({ consentId }), newEvent({ consentId }), newEvent()]);

    await staffRequest("/api/staff/events?method=custom&limit=10");
    await staffRequest("/staff?analytics=granted");
    await staffRequest(`/staff/consents/${consentId}`);
    await staffRequest("/staff/events/1");
    await staffRequest("/api/staff/events/2");
    await staffRequest(`/api/staff/consents/${consentId}`);
    await (await staffRequest(`/api/staff/events.csv?consentId=${consentId}`)).text();
    await staffRequest("/api/staff/stats?from=2026-11-01&to=2026-11-03");
    await staffRequest("/staff/stats?from=2026-11-01&to=2026-11-01");

    const rows = await auditRows();
    expect(rows.map(({ action, query, row_count }) => ({ action, query: JSON.parse(query), row_count }))).toEqual([
      { action: "search", query: { method: "custom" }, row_count: 3 },
      { action: "search", query: { analytics: "granted" }, row_count: 3 },
      { action: "view_consent", query: { consentId }, row_count: 2 },
      { action: "view_event", query: { id: 1, consentId }, row_count: 2 },
      { action: "view_event", query: { id: 2, consentId }, row_count: 2 },
      { action: "export_subject_access", query: { consentId }, row_count: 2 },
      { action: "export_csv", query: { consentId }, row_count: null },
      { action: "export_csv_done", query: { consentId }, row_count: 2 },
      { action: "stats", query: { from: "2026-11-01", to: "2026-11-03" }, row_count: 3 },
      { action: "stats", query: { from: "2026-11-01", to: "2026-11-01" }, row_count: 1 },
    ]);
    for (const row of rows) expect(row).toMatchObject({ actor: "alice", via: "token" });
  });

  it("shows staff their own searches at /staff/audit and /api/staff/audit, newest first", async () => {
    await staffRequest("/api/staff/events?path=/pricing");
    await staffRequest("/api/staff/events?method=withdraw");
    const html = await (await staffRequest("/staff/audit")).text();
    expect(html).toContain("<h1>Audit of staff access</h1>");
    expect(html.indexOf("withdraw")).toBeLessThan(html.indexOf("/pricing"));
    expect(html).toContain("<td>alice</td>");
    // Looking at the audit page was itself recorded, after the two searches it showed.
    const page = (await (await staffRequest("/api/staff/audit?limit=1")).json()) as StaffAuditPage;
    expect(page.entries).toHaveLength(1);
    expect(page.entries[0]).toMatchObject({ action: "view_audit", rowCount: 2 });
    const older = (await (await staffRequest(`/api/staff/audit?before=${page.nextBefore}`)).json()) as StaffAuditPage;
    expect(older.entries.map((entry) => JSON.parse(entry.query))).toEqual([
      { method: "withdraw" },
      { path: "/pricing" },
    ]);
  });

  it("audits every look at the audit itself, with the page asked for and the rows shown", async () => {
    await staffRequest("/api/staff/events");
    await staffRequest("/staff/audit");
    const first = (await (await staffRequest("/api/staff/audit?limit=1")).json()) as StaffAuditPage;
    await staffRequest(`/api/staff/audit?before=${first.nextBefore}`);
    const rows = await auditRows();
    expect(rows.map(({ action, query, row_count }) => ({ action, query: JSON.parse(query), row_count }))).toEqual([
      { action: "search", query: {}, row_count: 0 },
      { action: "view_audit", query: { limit: 100 }, row_count: 1 },
      { action: "view_audit", query: { limit: 1 }, row_count: 1 },
      { action: "view_audit", query: { before: first.nextBefore, limit: 100 }, row_count: 1 },
    ]);
  });

  it("shows no audit page when its own audit row cannot be written", async () => {
    await staffRequest("/api/staff/events?method=withdraw");
    // The audit table stays readable; only writing the view's row fails.
    await env.DB.prepare(
      `CREATE TRIGGER refuse_view_audit BEFORE INSERT ON staff_audit WHEN NEW.action = 'view_audit'
       BEGIN SELECT RAISE(ABORT, 'audit unavailable'); END`,
    ).run();
    try {
      const response = await staffRequest("/api/staff/audit");
      expect(response.status).toBe(503);
      expect(await response.text()).not.toContain("withdraw");
      const page = await staffRequest("/staff/audit");
      expect(page.status).toBe(503);
      expect(await page.text()).not.toContain("withdraw");
    } finally {
      await env.DB.prepare("DROP TRIGGER refuse_view_audit").run();
    }
  });

  it("has no route that edits or deletes it, and the database refuses to", async () => {
    await staffRequest("/api/staff/events");
    for (const method of ["POST", "PUT", "PATCH", "DELETE"]) {
      for (const path of ["/api/staff/audit", "/staff/audit", "/api/staff/audit/1"]) {
        const response = await staffRequest(path, { method });
        expect(response.status, `${method} ${path}`).toBeGreaterThanOrEqual(400);
      }
    }
    expect(await auditRows()).toHaveLength(1);
    await expect(env.DB.prepare("UPDATE staff_audit SET actor = 'someone else'").run()).rejects.toThrow(/append-only/);
    await expect(env.DB.prepare("DELETE FROM staff_audit").run()).rejects.toThrow(/younger than 90 days/);
    expect(await auditRows()).toHaveLength(1);
  });

  it("shows no data when the audit cannot be written", async () => {
    await seed([newEvent()]);
    await env.DB.prepare("ALTER TABLE staff_audit RENAME TO staff_audit_away").run();
    try {
      const response = await staffRequest("/api/staff/events");
      expect(response.status).toBe(503);
      expect(await response.text()).not.toContain("TestBrowser");
      const page = await staffRequest("/staff/events/1");
      expect(page.status).toBe(503);
      expect(await page.text()).not.toContain("TestBrowser");
    } finally {
      await env.DB.prepare("ALTER TABLE staff_audit_away RENAME TO staff_audit").run();
    }
  });

  it("records the Access email for a JWT sign-in and the token name otherwise", async () => {
    await staffRequest("/api/staff/events", {}, staffEnv());
    const response = await app.request(
      "/api/staff/events",
      { headers: { Authorization: "Bearer bob:bobs-token" } },
      staffEnv(),
    );
    expect(((await response.json()) as StaffEventPage).events).toEqual([]);
    expect((await auditRows()).map((row) => row.actor)).toEqual(["alice", "bob"]);
  });
});
