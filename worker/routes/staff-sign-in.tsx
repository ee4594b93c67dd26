/**
 * @module
 * Token sign-in and sign-out for the staff pages (`/staff-sign-in`), outside
 * the guarded `/staff` tree so the guard has no exceptions. A correct name
 * and token set an HttpOnly, SameSite=Strict session cookie (`__Host-` on
 * https; worker/lib/auth/session.ts); signing out ends every session of that
 * token name on the server, copies of the cookie included. Cloudflare Access
 * deployments never need these pages: Access sessions end at Access.
 */
import type { Context } from "hono";
import { Hono } from "hono";
import { deleteCookie, getCookie } from "hono/cookie";
import { csrf } from "hono/csrf";
import { HTTPException } from "hono/http-exception";
import { STAFF_PAGES_PATH, STAFF_SIGN_IN_PATH } from "../../shared/staff-api.ts";
import { insertAuditStatement } from "../db/staff-audit.ts";
import { endSessionsStatement } from "../db/staff-sessions.ts";
import { recordFailure, refuseWhenLimited } from "../lib/auth/attempts.ts";
import { sessionCookieName, usableSessionSecret, verifySession } from "../lib/auth/session.ts";
import { parseStaffTokens, verifyStaffToken } from "../lib/auth/tokens.ts";
import { dbCall } from "../lib/db-call.ts";
import { ApiError } from "../lib/errors.ts";
import { isSecure, setSessionCookie } from "../middleware/staff-guard.ts";
import type { AppEnv } from "../types.ts";
import { SignInPage } from "../views/staff/shell.tsx";

export const SIGN_OUT_PATH = `${STAFF_SIGN_IN_PATH}/sign-out`;

/** Dot segments, percent-encoded or not, encoded slashes, backslashes and anything but printable ASCII. */
const UNSAFE_PATH = /%2e|%2f|%5c|[^!-~]|\\|(?:^|\/)\.{1,2}(?:\/|$)/i;

/**
 * Where sign-in may send someone: a staff page on this origin only, as the
 * browser will resolve it. Anything else (another origin, `/staff/../api/…`,
 * encoded dots or slashes, the sign-in page itself) is the staff home page.
 */
export function safeNext(next: string | undefined, origin: string): string {
  if (!next || next.length > 2048 || !next.startsWith("/") || UNSAFE_PATH.test(next.split(/[?#]/)[0] ?? "")) {
    return STAFF_PAGES_PATH;
  }
  let url: URL;
  try {
    url = new URL(next, origin);
  } catch {
    return STAFF_PAGES_PATH;
  }
  const staffPage = url.pathname === STAFF_PAGES_PATH || url.pathname.startsWith(`${STAFF_PAGES_PATH}/`);
  return url.origin === origin && staffPage ? `${url.pathname}${url.search}` : STAFF_PAGES_PATH;
}

/** The sign-in page for a refused staff page: GET requests come back to where they were after signing in. */
export function signInRedirect(c: Context<AppEnv>): Response {
  const url = new URL(c.req.url);
  const next = c.req.method === "GET" ? safeNext(`${url.pathname}${url.search}`, url.origin) : STAFF_PAGES_PATH;
  const query = next === STAFF_PAGES_PATH ? "" : `?${new URLSearchParams({ next })}`;
  return c.redirect(`${STAFF_SIGN_IN_PATH}${query}`, 303);
}

async function auditSession(c: Context<AppEnv>, actor: string, action: "sign_in" | "sign_out"): Promise<void> {
  await dbCall(() =>
    insertAuditStatement(c.env.DB, {
      at: new Date().toISOString(),
      actor,
      via: "token",
      action,
      query: "{}",
      rowCount: null,
    }).run(),
  );
}

const staffSignIn = new Hono<AppEnv>();

// A sign-in or sign-out form posted from another site is refused (login CSRF).
staffSignIn.use("*", csrf());
staffSignIn.use("*", async (c, next) => {
  await next();
  c.header("Cache-Control", "no-store");
});

staffSignIn.onError((err, c) => {
  if (!(err instanceof HTTPException)) {
    console.error(`unhandled ${err.name} on ${c.req.method} ${c.req.routePath}`);
    return c.html(<SignInPage next={STAFF_PAGES_PATH} message="Something went wrong." />, 500);
  }
  const headers = err instanceof ApiError ? (err.headers ?? {}) : {};
  for (const [name, value] of Object.entries(headers)) c.header(name, value);
  const message =
    err.status === 429
      ? `Too many failed sign-ins. Try again in ${headers["Retry-After"] ?? "a few"} seconds.`
      : err instanceof ApiError
        ? err.message
        : "This form was sent from another site; sign in here instead.";
  return c.html(<SignInPage next={STAFF_PAGES_PATH} message={message} />, err.status);
});

staffSignIn.get("/", (c) => {
  const url = new URL(c.req.url);
  // A browser sent back here with a cookie still set had a session that ended.
  const cookie = sessionCookieName(isSecure(c));
  const ended = getCookie(c, cookie) !== undefined;
  if (ended) deleteCookie(c, cookie, { path: "/", secure: isSecure(c) });
  return c.html(
    <SignInPage
      next={safeNext(c.req.query("next"), url.origin)}
      message={ended ? "Your session has ended. Sign in again." : undefined}
    />,
  );
});

staffSignIn.post("/", async (c) => {
  const form = await c.req.parseBody();
  const name = typeof form.name === "string" ? form.name.trim() : "";
  const token = typeof form.token === "string" ? form.token : "";
  const next = safeNext(typeof form.next === "string" ? form.next : undefined, new URL(c.req.url).origin);
  const secure = isSecure(c);
  const tokens = parseStaffTokens(c.env.STAFF_TOKENS, secure);
  const tokenDigest = tokens.get(name);
  await refuseWhenLimited(c, tokenDigest ? name : null);
  if (!(await verifyStaffToken(tokens, name, token)) || !tokenDigest) {
    await recordFailure(c, tokenDigest ? name : null, "form");
    return c.html(<SignInPage next={next} name={name} message="That token name and token do not match." />, 401);
  }
  const secret = usableSessionSecret(c.env.SESSION_SECRET, secure);
  if (!secret) {
    throw new ApiError(
      503,
      "unavailable",
      "Sign-in is not set up on this server (SESSION_SECRET); tell its administrator.",
    );
  }
  await auditSession(c, name, "sign_in");
  const now = Date.now();
  await setSessionCookie(c, { name, issued: now, seen: now }, secret, tokenDigest);
  return c.redirect(next, 303);
});

staffSignIn.post("/sign-out", async (c) => {
  const secure = isSecure(c);
  const cookie = sessionCookieName(secure);
  const value = getCookie(c, cookie);
  const secret = usableSessionSecret(c.env.SESSION_SECRET, secure);
  // A cookie idle too long still proves who is signing out: a copy someone kept busy must end too.
  const tokens = parseStaffTokens(c.env.STAFF_TOKENS, secure);
  const session = value && secret ? await verifySession(value, secret, tokens, Date.now(), Infinity) : null;
  if (session) {
    await dbCall(() => c.env.DB.batch([endSessionsStatement(c.env.DB, session.name, Date.now())]));
    await auditSession(c, session.name, "sign_out");
  }
  deleteCookie(c, cookie, { path: "/", secure });
  return c.redirect(STAFF_SIGN_IN_PATH, 303);
});

export default staffSignIn;
