-- Rules by region (issue 14; docs/configuration.md "Rules by region"). Each
-- event records the visitor's region (set by the worker from the request,
-- as GET /api/rules answers it), the rule set (the worker's own lookup when
-- the widget posted one; `claimed_rule_set` keeps the widget's when the two
-- differ) and the basis of each category (posted by the widget). NULL is "not recorded":
-- events from before this migration and posts of an older widget (which
-- sends no rule set or basis). The hash chain covers each when it is not
-- NULL (worker/lib/log-chain.ts), so the hashes of earlier rows do not change.
--
-- An objection is an event of its own, method 'object'. SQLite cannot change
-- a CHECK constraint in place, so the table is rebuilt (sqlite.org/lang_altertable.html,
-- "Making Other Kinds Of Table Schema Changes"): every row is copied with its
-- id, so the chain's start (log_chain_origin) and every hash stay as they
-- were. Copying is no UPDATE and DROP TABLE fires no trigger, so the
-- append-only rule and the daily counts are untouched; the triggers, the
-- indexes and the chain's view are recreated exactly as 0001-0008 made them.
PRAGMA defer_foreign_keys = true;

CREATE TABLE consent_events_0009 (
  id INTEGER PRIMARY KEY,
  event_id TEXT NOT NULL UNIQUE,
  consent_id TEXT NOT NULL,
  received_at TEXT NOT NULL,
  method TEXT NOT NULL CHECK (method IN ('accept_all', 'reject_all', 'custom', 'withdraw', 'object')),
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
  widget_version TEXT NOT NULL,
  seq INTEGER CHECK (seq IS NULL OR seq > 0),
  prev_hash TEXT CHECK (prev_hash IS NULL OR length(prev_hash) = 64),
  hash TEXT CHECK (hash IS NULL OR length(hash) = 64),
  privacy_url TEXT CHECK (privacy_url IS NULL OR length(privacy_url) <= 2048),
  source TEXT CHECK (source IS NULL OR source IN ('banner', 'dialog', 'placeholder', 'api')),
  trusted INTEGER CHECK (trusted IS NULL OR trusted IN (0, 1)),
  region TEXT CHECK (region IS NULL OR region IN ('eea', 'uk', 'other')),
  rule_set TEXT CHECK (rule_set IS NULL OR rule_set IN ('eea', 'uk')),
  -- JSON: each optional category -> 'consent' | 'exception-not-objected' | 'objected'.
  basis TEXT CHECK (basis IS NULL OR json_valid(basis)),
  -- The rule set the widget said it applied, kept only when it differs from the worker's own
  -- lookup for the request (stored in rule_set): both stay visible, nothing is refused.
  claimed_rule_set TEXT CHECK (claimed_rule_set IS NULL OR claimed_rule_set IN ('eea', 'uk')),
  -- A rule set and its bases come together from the widget, or neither does.
  CHECK ((rule_set IS NULL) = (basis IS NULL)),
  CHECK (claimed_rule_set IS NULL OR rule_set IS NOT NULL)
) STRICT;

INSERT INTO consent_events_0009 (
  id, event_id, consent_id, received_at, method, analytics, functionality, targeting, revision, texts_hash,
  page_url, user_agent, ip_prefix, country, language, gpc, widget_version, seq, prev_hash, hash,
  privacy_url, source, trusted
)
SELECT
  id, event_id, consent_id, received_at, method, analytics, functionality, targeting, revision, texts_hash,
  page_url, user_agent, ip_prefix, country, language, gpc, widget_version, seq, prev_hash, hash,
  privacy_url, source, trusted
FROM consent_events;

DROP VIEW log_chain_head;
DROP TABLE consent_events;
ALTER TABLE consent_events_0009 RENAME TO consent_events;

-- 0001
CREATE INDEX consent_events_by_consent ON consent_events (consent_id, received_at);
CREATE INDEX consent_events_by_time ON consent_events (received_at);

CREATE TRIGGER consent_events_append_only
BEFORE UPDATE ON consent_events
BEGIN
  SELECT RAISE(ABORT, 'consent_events is append-only');
END;

-- 0002
CREATE INDEX consent_events_by_method ON consent_events (method, received_at);
CREATE INDEX consent_events_by_revision ON consent_events (revision, received_at);
CREATE INDEX consent_events_by_analytics ON consent_events (analytics, received_at);
CREATE INDEX consent_events_by_functionality ON consent_events (functionality, received_at);
CREATE INDEX consent_events_by_targeting ON consent_events (targeting, received_at);
CREATE INDEX consent_events_by_path ON consent_events (substr(page_url, instr(substr(page_url, 9), '/') + 8), received_at);

-- 0003
CREATE TRIGGER consent_daily_count
AFTER INSERT ON consent_events
BEGIN
  INSERT INTO consent_daily (day, events, analytics, functionality, targeting)
  VALUES (substr(new.received_at, 1, 10), 1, new.analytics, new.functionality, new.targeting)
  ON CONFLICT (day) DO UPDATE SET
    events = events + 1,
    analytics = analytics + excluded.analytics,
    functionality = functionality + excluded.functionality,
    targeting = targeting + excluded.targeting;
END;

CREATE TRIGGER consent_daily_uncount
AFTER DELETE ON consent_events
BEGIN
  UPDATE consent_daily SET
    events = events - 1,
    analytics = analytics - old.analytics,
    functionality = functionality - old.functionality,
    targeting = targeting - old.targeting
  WHERE day = substr(old.received_at, 1, 10);
  DELETE FROM consent_daily WHERE day = substr(old.received_at, 1, 10) AND events = 0;
END;

-- 0007
CREATE UNIQUE INDEX consent_events_by_seq ON consent_events (seq);

CREATE TRIGGER consent_events_chained_whole
BEFORE INSERT ON consent_events
WHEN (new.seq IS NULL) <> (new.hash IS NULL) OR (new.seq IS NULL) <> (new.prev_hash IS NULL)
BEGIN
  SELECT RAISE(ABORT, 'an event has seq, prev_hash and hash together or none of them');
END;

CREATE VIEW log_chain_head AS
SELECT seq, hash FROM (
  SELECT seq, hash FROM (SELECT seq, hash FROM consent_events WHERE seq IS NOT NULL ORDER BY seq DESC LIMIT 1)
  UNION ALL
  SELECT seq, hash FROM (SELECT seq, hash FROM log_checkpoints WHERE kind = 'cut' ORDER BY seq DESC LIMIT 1)
  UNION ALL
  SELECT 0, '0000000000000000000000000000000000000000000000000000000000000000'
)
ORDER BY seq DESC
LIMIT 1;

-- 0008
CREATE INDEX consent_events_by_texts_hash ON consent_events (texts_hash) WHERE texts_hash IS NOT NULL;

-- The statistics split by rule set: the same daily counts as consent_daily,
-- one row per day and rule set ('none' for events that recorded none: older
-- widgets and every event before this migration), kept by the same kind of
-- triggers, so each day's rows add up to its consent_daily row.
CREATE TABLE consent_daily_by_rule_set (
  day TEXT NOT NULL,
  rule_set TEXT NOT NULL CHECK (rule_set IN ('eea', 'uk', 'none')),
  events INTEGER NOT NULL CHECK (events >= 0),
  analytics INTEGER NOT NULL CHECK (analytics >= 0),
  functionality INTEGER NOT NULL CHECK (functionality >= 0),
  targeting INTEGER NOT NULL CHECK (targeting >= 0),
  PRIMARY KEY (day, rule_set)
) STRICT, WITHOUT ROWID;

INSERT INTO consent_daily_by_rule_set (day, rule_set, events, analytics, functionality, targeting)
SELECT substr(received_at, 1, 10), coalesce(rule_set, 'none'), count(*), sum(analytics), sum(functionality), sum(targeting)
FROM consent_events
GROUP BY substr(received_at, 1, 10), coalesce(rule_set, 'none');

CREATE TRIGGER consent_daily_by_rule_set_count
AFTER INSERT ON consent_events
BEGIN
  INSERT INTO consent_daily_by_rule_set (day, rule_set, events, analytics, functionality, targeting)
  VALUES (substr(new.received_at, 1, 10), coalesce(new.rule_set, 'none'), 1, new.analytics, new.functionality, new.targeting)
  ON CONFLICT (day, rule_set) DO UPDATE SET
    events = events + 1,
    analytics = analytics + excluded.analytics,
    functionality = functionality + excluded.functionality,
    targeting = targeting + excluded.targeting;
END;

CREATE TRIGGER consent_daily_by_rule_set_uncount
AFTER DELETE ON consent_events
BEGIN
  UPDATE consent_daily_by_rule_set SET
    events = events - 1,
    analytics = analytics - old.analytics,
    functionality = functionality - old.functionality,
    targeting = targeting - old.targeting
  WHERE day = substr(old.received_at, 1, 10) AND rule_set = coalesce(old.rule_set, 'none');
  DELETE FROM consent_daily_by_rule_set
  WHERE day = substr(old.received_at, 1, 10) AND rule_set = coalesce(old.rule_set, 'none') AND events = 0;
END;
