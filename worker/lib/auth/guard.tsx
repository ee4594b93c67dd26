/**
 * @module
 * The one guard in front of every staff route, pages and JSON alike, mounted
 * before them in worker/index.ts. A request gets in with exactly one of:
 * - a Cloudflare Access JWT in `Cf-Access-Jwt-Assertion` (when present it is
 *   the only credential considered, and Access must be configured);
 * - `Authorization: Basic` (RFC 7617) or `Bearer <name>:<token>` with a named
 *   staff token;
 * - the session cookie a token sign-in sets.
 * Anything else is 401 (or 403 when Access is not configured), as the JSON
 * envelope for `/api/staff` and as the sign-in page for `/staff` pages.
 */
import type { Context } from "hono";
import { getCookie } from "hono/cookie";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../../types.ts";
import { SignInPage } from "../../views/staff/shell.tsx";
import { ApiError, unavailable } from "../errors.ts";
import { verifyAccessJwt } from "./access.ts";
import type { StaffIdentity } from "./identity.ts";
import { SESSION_COOKIE, verifySession } from "./session.ts";
import { parseStaffTokens, verifyStaffToken } from "./tokens.ts";

export const ACCESS_JWT_HEADER = "Cf-Access-Jwt-Assertion";

type Outcome = { ok: true; identity: StaffIdentity } | { ok: false; status: 401 | 403 | 503; message: string };

const REFUSED: Outcome = { ok: false, status: 401, message: "sign in to use the consent log" };

/** `name:token` from Basic (base64) or Bearer (plain) credentials. */
function tokenCredentials(header: string): { name: string; token: string } | null {
  const [scheme, value] = header.trim().split(/\s+/, 2);
  if (!scheme || !value) return null;
  let pair: string;
  if (/^basic$/i.test(scheme)) {
    try {
      pair = new TextDecoder().decode(Uint8Array.from(atob(value), (char) => char.charCodeAt(0)));
    } catch {
      return null;
    }
  } else if (/^bearer$/i.test(scheme)) {
    pair = value;
  } else {
    return null;
  }
  const colon = pair.indexOf(":");
  return colon > 0 ? { name: pair.slice(0, colon), token: pair.slice(colon + 1) } : null;
}

async function authenticate(c: Context<AppEnv>): Promise<Outcome> {
  const jwt = c.req.header(ACCESS_JWT_HEADER);
  if (jwt !== undefined) {
    const result = await verifyAccessJwt(jwt, { teamDomain: c.env.ACCESS_TEAM_DOMAIN, audience: c.env.ACCESS_AUD });
    if (result.ok) return { ok: true, identity: { actor: result.email, via: "access" } };
    if (result.reason === "config") {
      return { ok: false, status: 403, message: "Cloudflare Access is not configured for the consent log" };
    }
    if (result.reason === "unavailable")
      return { ok: false, status: 503, message: "Cloudflare Access keys unavailable" };
    return { ok: false, status: 401, message: "the Cloudflare Access token was not accepted" };
  }

  const tokens = parseStaffTokens(c.env.STAFF_TOKENS);
  const authorization = c.req.header("Authorization");
  if (authorization !== undefined) {
    const credentials = tokenCredentials(authorization);
    if (credentials && (await verifyStaffToken(tokens, credentials.name, credentials.token))) {
      return { ok: true, identity: { actor: credentials.name, via: "token" } };
    }
    return { ok: false, status: 401, message: "the staff token was not accepted" };
  }

  const session = getCookie(c, SESSION_COOKIE);
  if (session !== undefined) {
    const name = await verifySession(session, tokens, Math.floor(Date.now() / 1000));
    if (name !== null) return { ok: true, identity: { actor: name, via: "token" } };
    return { ok: false, status: 401, message: "your session has ended; sign in again" };
  }
  return REFUSED;
}

/** Where a staff page may send someone after sign-in: a staff page on this origin only. */
export function safeNext(next: string | undefined): string {
  return next && /^\/staff(?:[/?#]|$)/.test(next) && !next.includes("\\") ? next : "/staff";
}

export const staffGuard = createMiddleware<AppEnv>(async (c, next) => {
  const outcome = await authenticate(c);
  // Every staff response holds or reveals personal data: never cache it.
  c.header("Cache-Control", "private, no-store");
  if (outcome.ok) {
    c.set("staff", outcome.identity);
    await next();
    c.header("Cache-Control", "private, no-store");
    return;
  }
  if (outcome.status === 503) throw unavailable();
  const isPage = new URL(c.req.url).pathname.startsWith("/staff");
  if (isPage && c.req.method === "GET") {
    const url = new URL(c.req.url);
    return c.html(<SignInPage next={safeNext(url.pathname + url.search)} message={outcome.message} />, outcome.status);
  }
  throw new ApiError(
    outcome.status,
    outcome.status === 403 ? "forbidden" : "unauthorized",
    outcome.message,
    undefined,
    outcome.status === 401 && !isPage
      ? { "WWW-Authenticate": 'Basic realm="OpenContact staff", charset="UTF-8"' }
      : undefined,
  );
});
