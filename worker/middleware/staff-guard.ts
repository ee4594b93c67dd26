/**
 * @module
 * The one guard in front of every staff route, pages and JSON alike. It
 * decides who is asking and sets `staff`, or throws an `ApiError` (401, 403,
 * 429 or 503); how a refusal looks (the JSON envelope, or a redirect to the
 * sign-in page) is the routes' business. A request gets in with exactly one of:
 * - a Cloudflare Access JWT in `Cf-Access-Jwt-Assertion` (when present it is
 *   the only credential considered, and Access must be configured);
 * - `Authorization: Basic` (RFC 7617) or `Bearer <name>:<token>` with a named
 *   staff token, counted against the failed sign-in limit (lib/auth/attempts.ts);
 * - the session cookie a token sign-in sets (lib/auth/session.ts), unless
 *   its identity signed out or was revoked since (db/staff-sessions.ts).
 */
import type { Context } from "hono";
import { getCookie, setCookie } from "hono/cookie";
import { createMiddleware } from "hono/factory";
import { sessionsValidAfter } from "../db/staff-sessions.ts";
import { verifyAccessJwt } from "../lib/auth/access.ts";
import { type CredentialKind, recordFailure, refuseWhenLimited } from "../lib/auth/attempts.ts";
import type { StaffIdentity } from "../lib/auth/identity.ts";
import {
  createSession,
  REFRESH_MS,
  SESSION_MS,
  type Session,
  sessionCookieName,
  usableSessionSecret,
  verifySession,
} from "../lib/auth/session.ts";
import { parseStaffTokens, verifyStaffToken } from "../lib/auth/tokens.ts";
import { dbCall } from "../lib/db-call.ts";
import { ApiError, unavailable } from "../lib/errors.ts";
import type { AppEnv } from "../types.ts";

export const ACCESS_JWT_HEADER = "Cf-Access-Jwt-Assertion";

const BASIC_CHALLENGE = { "WWW-Authenticate": 'Basic realm="OpenContact staff", charset="UTF-8"' };

function unauthorized(message: string): ApiError {
  return new ApiError(401, "unauthorized", message, undefined, BASIC_CHALLENGE);
}

/** `name:token` from Basic (base64) or Bearer (plain) credentials. */
function tokenCredentials(header: string): { kind: CredentialKind; name: string; token: string } | null {
  const [scheme, value] = header.trim().split(/\s+/, 2);
  if (!scheme || !value) return null;
  let pair: string;
  let kind: CredentialKind;
  if (/^basic$/i.test(scheme)) {
    try {
      pair = new TextDecoder().decode(Uint8Array.from(atob(value), (char) => char.charCodeAt(0)));
    } catch {
      return null;
    }
    kind = "basic";
  } else if (/^bearer$/i.test(scheme)) {
    pair = value;
    kind = "bearer";
  } else {
    return null;
  }
  const colon = pair.indexOf(":");
  return colon > 0 ? { kind, name: pair.slice(0, colon), token: pair.slice(colon + 1) } : null;
}

export function isSecure(c: Context<AppEnv>): boolean {
  return new URL(c.req.url).protocol === "https:";
}

/** Sets the session cookie: `__Host-` on https, HttpOnly, SameSite=Strict, no longer than the session may live. */
export async function setSessionCookie(
  c: Context<AppEnv>,
  session: Session,
  secret: string,
  tokenDigest: Uint8Array,
): Promise<void> {
  const secure = isSecure(c);
  setCookie(c, sessionCookieName(secure), await createSession(session, secret, tokenDigest), {
    path: "/",
    httpOnly: true,
    sameSite: "Strict",
    secure,
    // Rounded: a sign-in a few milliseconds old still gets the whole 8 hours (the server enforces the lifetime).
    maxAge: Math.max(0, Math.round((session.issued + SESSION_MS - Date.now()) / 1000)),
  });
}

async function byAccess(c: Context<AppEnv>, jwt: string): Promise<StaffIdentity> {
  const result = await verifyAccessJwt(jwt, { teamDomain: c.env.ACCESS_TEAM_DOMAIN, audience: c.env.ACCESS_AUD });
  if (result.ok) return { actor: result.email, via: "access" };
  if (result.reason === "config") {
    throw new ApiError(403, "forbidden", "Cloudflare Access is not configured for the consent log");
  }
  if (result.reason === "unavailable") throw unavailable();
  throw unauthorized("the Cloudflare Access token was not accepted");
}

async function byToken(c: Context<AppEnv>, authorization: string): Promise<StaffIdentity> {
  const tokens = parseStaffTokens(c.env.STAFF_TOKENS, isSecure(c));
  const credentials = tokenCredentials(authorization);
  const registered = credentials && tokens.has(credentials.name) ? credentials.name : null;
  await refuseWhenLimited(c, registered);
  if (credentials && (await verifyStaffToken(tokens, credentials.name, credentials.token))) {
    return { actor: credentials.name, via: "token" };
  }
  await recordFailure(c, registered, credentials?.kind ?? "malformed");
  throw unauthorized("the staff token was not accepted");
}

async function bySession(c: Context<AppEnv>, value: string): Promise<StaffIdentity> {
  const secure = isSecure(c);
  const secret = usableSessionSecret(c.env.SESSION_SECRET, secure);
  const tokens = parseStaffTokens(c.env.STAFF_TOKENS, secure);
  const now = Date.now();
  const session = secret ? await verifySession(value, secret, tokens, now) : null;
  const ended = "your session has ended; sign in again";
  if (!session || !secret) throw unauthorized(ended);
  if (session.issued <= (await dbCall(() => sessionsValidAfter(c.env.DB, session.name)))) throw unauthorized(ended);
  // Sliding idle timeout without a write per request: a fresh cookie only every few minutes.
  const tokenDigest = tokens.get(session.name);
  if (now - session.seen > REFRESH_MS && tokenDigest) {
    await setSessionCookie(c, { ...session, seen: now }, secret, tokenDigest);
  }
  return { actor: session.name, via: "token" };
}

async function authenticate(c: Context<AppEnv>): Promise<StaffIdentity> {
  const jwt = c.req.header(ACCESS_JWT_HEADER);
  if (jwt !== undefined) return byAccess(c, jwt);
  const authorization = c.req.header("Authorization");
  if (authorization !== undefined) return byToken(c, authorization);
  const session = getCookie(c, sessionCookieName(isSecure(c)));
  if (session !== undefined) return bySession(c, session);
  throw unauthorized("sign in to use the consent log");
}

export const staffGuard = createMiddleware<AppEnv>(async (c, next) => {
  // Every staff response holds or reveals personal data: never cache it, refusals included.
  c.header("Cache-Control", "private, no-store");
  c.set("staff", await authenticate(c));
  await next();
  c.header("Cache-Control", "private, no-store");
});
