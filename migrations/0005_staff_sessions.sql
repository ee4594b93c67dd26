-- Staff sessions that end on the server (OWASP ASVS V3.3), and failed
-- sign-ins that are counted (V2.2.1, V7.2.1).

-- One row per staff token name that has signed out or been revoked: a
-- session cookie of that name issued at or before valid_after (milliseconds
-- since the epoch) is refused, so sign-out or a revoke ends every session of
-- that identity at once, copies included. Sessions themselves live in a
-- signed cookie (worker/lib/auth/session.ts); only this cut-off is stored.
CREATE TABLE staff_sessions (
  name TEXT PRIMARY KEY,
  valid_after INTEGER NOT NULL
) STRICT;

-- Failed credential checks are staff_audit rows with action 'auth_failure'
-- (via 'token'; actor the registered token name tried, or '(unknown)'; query
-- the credential kind and the IP prefix, never the secret). The sign-in limit
-- counts them over the last minutes and the audit page sums the last day:
-- this partial index keeps both off every other audit row.
CREATE INDEX staff_audit_auth_failures ON staff_audit (at) WHERE action = 'auth_failure';
