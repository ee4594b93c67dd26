-- Staff access to the consent log: who looked at what (GDPR Art. 5(2),
-- accountability), and the indexes that keep every staff query shape off a
-- full table scan (test/worker/staff-query-plan.test.ts asserts it).

-- Every staff search, record view, export and statistics query, and every
-- retention purge. Append-only: no route edits or deletes it, and the
-- database refuses updates outright.
CREATE TABLE staff_audit (
  id INTEGER PRIMARY KEY,
  at TEXT NOT NULL,
  -- The Cloudflare Access email, the staff token's name, or 'cron'.
  actor TEXT NOT NULL,
  via TEXT NOT NULL CHECK (via IN ('access', 'token', 'cron')),
  action TEXT NOT NULL,
  -- What was asked, as JSON (filters, ids, cut-off dates).
  query TEXT NOT NULL,
  -- Rows returned or removed; NULL when an export is only starting.
  row_count INTEGER
) STRICT;

CREATE INDEX staff_audit_by_time ON staff_audit (at);

CREATE TRIGGER staff_audit_append_only
BEFORE UPDATE ON staff_audit
BEGIN
  SELECT RAISE(ABORT, 'staff_audit is append-only');
END;

-- Only the retention purge deletes audit rows, and never one younger than
-- 90 days, whatever AUDIT_RETENTION_DAYS says: a bug or a bad setting cannot
-- wipe the recent record of who looked at personal data.
CREATE TRIGGER staff_audit_keep_recent
BEFORE DELETE ON staff_audit
WHEN old.at > strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-90 days')
BEGIN
  SELECT RAISE(ABORT, 'staff_audit rows younger than 90 days are kept');
END;

-- Search filters: each equality filter has an index that also yields rows
-- newest first (rowid is the implicit last column, the keyset tie-breaker),
-- so the first page reads one page of rows, never the table.
CREATE INDEX consent_events_by_method ON consent_events (method, received_at);
CREATE INDEX consent_events_by_revision ON consent_events (revision, received_at);
CREATE INDEX consent_events_by_analytics ON consent_events (analytics, received_at);
CREATE INDEX consent_events_by_functionality ON consent_events (functionality, received_at);
CREATE INDEX consent_events_by_targeting ON consent_events (targeting, received_at);
-- The page path: page_url is origin + path (the worker strips query and
-- fragment), so the path starts at the first '/' after the scheme's '//'.
-- Queries use this exact expression (worker/db/consent-events.ts PAGE_PATH_SQL).
CREATE INDEX consent_events_by_path ON consent_events (substr(page_url, instr(substr(page_url, 9), '/') + 8), received_at);

-- Statistics: a covering index, so a period's counts never touch the table.
CREATE INDEX consent_events_stats ON consent_events (received_at, analytics, functionality, targeting);
