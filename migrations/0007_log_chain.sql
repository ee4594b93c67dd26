-- A tamper-evident consent log (docs/proof.md "Tamper-evident log"). Each
-- event from now on holds its place in one chain (seq), the hash of the event
-- before it (prev_hash) and its own hash: SHA-256 over prev_hash and its
-- stored columns (worker/lib/log-chain.ts). The worker computes the hash;
-- the database only accepts an event whose prev_hash is the current head's
-- hash at the next seq, so concurrent appends never fork the chain.
--
-- Events logged before this migration keep NULL in all three (SQL cannot
-- compute SHA-256, so they cannot be backfilled); the chain starts at the
-- first event after it, whose prev_hash is 64 zeros. log_chain_origin records
-- the last row id before the chain, so a row added outside the chain later
-- is reported by verification instead of passing as an old one.
-- Adding columns is no UPDATE: the append-only trigger stays as it is.
ALTER TABLE consent_events ADD COLUMN seq INTEGER CHECK (seq IS NULL OR seq > 0);
ALTER TABLE consent_events ADD COLUMN prev_hash TEXT CHECK (prev_hash IS NULL OR length(prev_hash) = 64);
ALTER TABLE consent_events ADD COLUMN hash TEXT CHECK (hash IS NULL OR length(hash) = 64);

-- One event per position: a second writer at the same seq fails here.
CREATE UNIQUE INDEX consent_events_by_seq ON consent_events (seq);

CREATE TRIGGER consent_events_chained_whole
BEFORE INSERT ON consent_events
WHEN (new.seq IS NULL) <> (new.hash IS NULL) OR (new.seq IS NULL) <> (new.prev_hash IS NULL)
BEGIN
  SELECT RAISE(ABORT, 'an event has seq, prev_hash and hash together or none of them');
END;

CREATE TABLE log_chain_origin (
  -- Rows with an id up to this one predate the chain.
  legacy_max_id INTEGER NOT NULL,
  created_at TEXT NOT NULL
) STRICT;

INSERT INTO log_chain_origin (legacy_max_id, created_at)
SELECT coalesce(max(id), 0), strftime('%Y-%m-%dT%H:%M:%fZ', 'now') FROM consent_events;

-- Signed statements about the chain, by the daily cron (worker/scheduled.ts)
-- with CHECKPOINT_KEY (Ed25519): 'daily' is the head at that time; 'cut' is
-- the last event a retention purge removed, written in the same transaction
-- as the delete, so verification starts after the newest cut. Staff download
-- them to keep outside Cloudflare (GET /api/staff/checkpoints?download).
CREATE TABLE log_checkpoints (
  id INTEGER PRIMARY KEY,
  kind TEXT NOT NULL CHECK (kind IN ('daily', 'cut')),
  seq INTEGER NOT NULL CHECK (seq >= 0),
  hash TEXT NOT NULL CHECK (length(hash) = 64),
  at TEXT NOT NULL,
  signature TEXT NOT NULL
) STRICT;

CREATE INDEX log_checkpoints_by_kind ON log_checkpoints (kind, seq);

CREATE TRIGGER log_checkpoints_append_only
BEFORE UPDATE ON log_checkpoints
BEGIN
  SELECT RAISE(ABORT, 'log_checkpoints is append-only');
END;

CREATE TRIGGER log_checkpoints_keep
BEFORE DELETE ON log_checkpoints
BEGIN
  SELECT RAISE(ABORT, 'log_checkpoints are kept');
END;

-- Where the next event attaches: the newest chained event, else the newest
-- retention cut (the purge removed every chained event), else genesis.
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
