/**
 * @module
 * The browser session after a staff token sign-in. The cookie holds the token
 * name, when the session began and when it was last refreshed, and an
 * HMAC-SHA256 (RFC 2104) keyed with `SESSION_SECRET`, a server-only secret:
 * nothing staff or the deploy guide ever see (a token's digest included) can
 * mint one. The MAC also covers the token's registered digest, so changing or
 * removing a token ends its sessions. The server decides every lifetime from
 * the two times: 8 hours at most, 30 minutes idle, whatever the cookie claims.
 * Sign-out and revocation are kept on the server (worker/db/staff-sessions.ts).
 */
import { base64url, fromBase64url } from "../base64url.ts";

/** `__Host-` on https: a sibling subdomain cannot set or shadow it (RFC 6265bis §4.1.3.2). */
export const SECURE_SESSION_COOKIE = "__Host-staff_session";
/** http://127.0.0.1 in development cannot hold a `__Host-` cookie (it must be Secure). */
export const LOCAL_SESSION_COOKIE = "staff_session";

export function sessionCookieName(secure: boolean): string {
  return secure ? SECURE_SESSION_COOKIE : LOCAL_SESSION_COOKIE;
}

/** A working day: staff sign in again each morning. */
export const SESSION_MS = 8 * 60 * 60 * 1000;
/** A session left alone this long ends (OWASP ASVS 3.3.2). */
export const IDLE_MS = 30 * 60 * 1000;
/** A session used after this long gets a fresh cookie; more often would only add Set-Cookie noise. */
export const REFRESH_MS = 5 * 60 * 1000;
/** Clock skew tolerated between isolates. */
const SKEW_MS = 60 * 1000;

/** Shorter than this is no secret (32 random bytes as base64 are 43 characters). */
export const SESSION_SECRET_MIN_LENGTH = 32;

const CONTEXT = "opencontact-staff-session-v2";

export interface Session {
  name: string;
  /** Milliseconds since the epoch: sign-in. */
  issued: number;
  /** Milliseconds since the epoch: the last refresh. */
  seen: number;
}

function hex(bytes: Uint8Array): string {
  return [...bytes].map((byte) => byte.toString(16).padStart(2, "0")).join("");
}

async function mac(secret: string, tokenDigest: Uint8Array, payload: string): Promise<Uint8Array<ArrayBuffer>> {
  const key = await crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const message = `${CONTEXT}\0${hex(tokenDigest)}\0${payload}`;
  return new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(message)));
}

/** The cookie value for a session of the token registered as `tokenDigest`. */
export async function createSession(session: Session, secret: string, tokenDigest: Uint8Array): Promise<string> {
  const payload = `${base64url(new TextEncoder().encode(session.name))}.${session.issued}.${session.seen}`;
  return `${payload}.${base64url(await mac(secret, tokenDigest, payload))}`;
}

/**
 * The session a cookie vouches for, or null if it is forged, made for another
 * token, past its lifetime or idle too long. Server-side revocation is the
 * caller's second check.
 */
export async function verifySession(
  value: string,
  secret: string,
  tokens: Map<string, Uint8Array<ArrayBuffer>>,
  now: number,
  idleMs = IDLE_MS,
): Promise<Session | null> {
  const [encodedName, issuedText, seenText, signatureText, extra] = value.split(".");
  if (!encodedName || !issuedText || !seenText || !signatureText || extra !== undefined) return null;
  if (!/^\d{1,15}$/.test(issuedText) || !/^\d{1,15}$/.test(seenText)) return null;
  const nameBytes = fromBase64url(encodedName);
  const signature = fromBase64url(signatureText);
  if (!nameBytes || !signature || signature.length !== 32) return null;
  const name = new TextDecoder().decode(nameBytes);
  const tokenDigest = tokens.get(name);
  if (!tokenDigest) return null;
  const expected = await mac(secret, tokenDigest, `${encodedName}.${issuedText}.${seenText}`);
  if (!crypto.subtle.timingSafeEqual(signature, expected)) return null;
  const issued = Number(issuedText);
  const seen = Number(seenText);
  const fresh =
    issued <= now + SKEW_MS &&
    seen >= issued &&
    seen <= now + SKEW_MS &&
    now - issued < SESSION_MS &&
    now - seen < idleMs;
  return fresh ? { name, issued, seen } : null;
}

/** The local value in `.dev.vars.example`: public, so refused on https (and by `npm run deploy`). */
export const LOCAL_SESSION_SECRET = "opencontact-local-development-session-secret";

let warnedSecret = false;

/**
 * `SESSION_SECRET` when it can sign sessions, else null (sessions then fail
 * closed, once logged per isolate): missing, too short, or the public local
 * value on https.
 */
export function usableSessionSecret(secret: string | undefined, secure: boolean): string | null {
  const usable =
    secret !== undefined && secret.length >= SESSION_SECRET_MIN_LENGTH && !(secure && secret === LOCAL_SESSION_SECRET);
  if (!usable && !warnedSecret) {
    warnedSecret = true;
    console.error(
      `SESSION_SECRET is missing, shorter than ${SESSION_SECRET_MIN_LENGTH} characters or the local example; ` +
        "staff sign-in sessions are refused (wrangler secret put SESSION_SECRET)",
    );
  }
  return usable ? secret : null;
}
