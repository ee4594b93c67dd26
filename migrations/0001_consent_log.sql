-- The consent log: proof of consent under GDPR Art. 7(1).
-- Append-only: a change of mind is a new row, never an update.

-- Everything a visitor was told under one revision id (COMPLIANCE.md item 13):
-- the privacy statement and the banner's own texts, kept in full.
CREATE TABLE privacy_revisions (
  revision TEXT PRIMARY KEY NOT NULL CHECK (length(revision) = 16),
  sha256 TEXT NOT NULL CHECK (length(sha256) = 64),
  title TEXT NOT NULL,
  markdown TEXT NOT NULL,
  html TEXT NOT NULL,
  text TEXT NOT NULL,
  banner_texts TEXT NOT NULL,
  first_served_at TEXT NOT NULL
) STRICT;

CREATE TABLE consent_events (
  -- Row id doubles as the keyset-pagination cursor.
  id INTEGER PRIMARY KEY,
  event_id TEXT NOT NULL UNIQUE,
  consent_id TEXT NOT NULL,
  received_at TEXT NOT NULL,
  method TEXT NOT NULL CHECK (method IN ('accept_all', 'reject_all', 'custom', 'withdraw')),
  analytics INTEGER NOT NULL CHECK (analytics IN (0, 1)),
  functionality INTEGER NOT NULL CHECK (functionality IN (0, 1)),
  targeting INTEGER NOT NULL CHECK (targeting IN (0, 1)),
  revision TEXT NOT NULL REFERENCES privacy_revisions (revision),
  texts_hash TEXT,
  page_url TEXT NOT NULL,
  user_agent TEXT NOT NULL,
  ip_prefix TEXT,
  country TEXT,
  language TEXT NOT NULL,
  gpc INTEGER NOT NULL CHECK (gpc IN (0, 1)),
  widget_version TEXT NOT NULL
) STRICT;

CREATE INDEX consent_events_by_consent ON consent_events (consent_id, received_at);
CREATE INDEX consent_events_by_time ON consent_events (received_at);

-- No code path edits the log; the database refuses to as well.
CREATE TRIGGER consent_events_append_only
BEFORE UPDATE ON consent_events
BEGIN
  SELECT RAISE(ABORT, 'consent_events is append-only');
END;

CREATE TRIGGER privacy_revisions_append_only
BEFORE UPDATE ON privacy_revisions
BEGIN
  SELECT RAISE(ABORT, 'privacy_revisions is append-only');
END;

CREATE TRIGGER privacy_revisions_keep
BEFORE DELETE ON privacy_revisions
BEGIN
  SELECT RAISE(ABORT, 'privacy_revisions are kept for as long as any consent may refer to them');
END;
