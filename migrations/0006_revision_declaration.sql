-- The cookie declaration (content/cookies.json) is part of what a visitor is
-- told, so each revision keeps the declaration in force beside its statement:
-- its canonical JSON, exactly the bytes hashed into the revision id.
-- Revisions recorded before the declaration existed have none (NULL).
-- Adding a column is no UPDATE: the append-only triggers stay as they are.
ALTER TABLE privacy_revisions ADD COLUMN declaration TEXT CHECK (declaration IS NULL OR json_valid(declaration));
