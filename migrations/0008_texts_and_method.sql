-- What the visitor was told and how they chose (issue 13, docs/proof.md).
--
-- A site that overrides the banner texts sends only their SHA-256 with each
-- consent (texts_hash); the widget sends the texts themselves once, when the
-- worker answers that it does not hold them (PUT /api/texts/:hash). Each
-- distinct set is stored once, keyed by that hash: the canonical JSON the
-- hash covers, so anyone can recompute it from the stored text.
CREATE TABLE text_sets (
  hash TEXT PRIMARY KEY NOT NULL CHECK (length(hash) = 64),
  -- JSON.stringify({ categories, messages }), exactly the bytes hashed.
  texts TEXT NOT NULL CHECK (json_valid(texts)),
  -- When the worker first received them.
  first_seen_at TEXT NOT NULL
) STRICT;

-- A set is what a visitor read: never edited. The retention purge deletes a
-- set no remaining event refers to (worker/scheduled.ts).
CREATE TRIGGER text_sets_append_only
BEFORE UPDATE ON text_sets
BEGIN
  SELECT RAISE(ABORT, 'text_sets is append-only');
END;

-- Whether an event refers to a hash: the PUT's check (nobody may store texts
-- no visitor saw) and the purge's. Partial: events with the default texts
-- (NULL, most of them) cost the index nothing.
CREATE INDEX consent_events_by_texts_hash ON consent_events (texts_hash) WHERE texts_hash IS NOT NULL;

-- How each choice was made, and the privacy statement the banner linked to
-- when the site set its own. NULL is "not recorded": events from before this
-- migration, and posts of a cached older widget. Adding columns is no
-- UPDATE: the append-only trigger stays as it is. The hash chain covers each
-- of them when it is not NULL (worker/lib/log-chain.ts), so the hashes of
-- the rows before it do not change.
ALTER TABLE consent_events ADD COLUMN privacy_url TEXT CHECK (privacy_url IS NULL OR length(privacy_url) <= 2048);
ALTER TABLE consent_events ADD COLUMN source TEXT CHECK (source IS NULL OR source IN ('banner', 'dialog', 'placeholder', 'api'));
ALTER TABLE consent_events ADD COLUMN trusted INTEGER CHECK (trusted IS NULL OR trusted IN (0, 1));
