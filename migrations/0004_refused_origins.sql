-- Site origins the consent API refused because ALLOWED_ORIGINS lacks them,
-- counted per UTC day, so staff see a misconfigured site (www against the
-- bare domain, a new shop) in the statistics. An origin names a site, not a
-- visitor: no IP, path or body is kept. Bounded three ways: posts pass the
-- rate limit before they are counted, at most a fixed number of distinct
-- origins a day are counted (worker/db/refused-origins.ts), and the daily
-- retention purge removes days older than RETENTION_DAYS.
CREATE TABLE refused_origins (
  -- UTC day, YYYY-MM-DD.
  day TEXT NOT NULL,
  origin TEXT NOT NULL,
  refusals INTEGER NOT NULL CHECK (refusals > 0),
  PRIMARY KEY (day, origin)
) STRICT, WITHOUT ROWID;
