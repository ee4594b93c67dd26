/**
 * @module
 * The browser session after a staff token sign-in: a cookie holding the
 * token's name, an expiry, and an HMAC-SHA256 (RFC 2104) keyed with that
 * token's registered digest. The token itself never sits in a cookie;
 * changing or removing a token in `STAFF_TOKENS` ends its sessions at once.
 */

export const SESSION_COOKIE = "staff_session";

/** A working day: staff sign in again each morning. */
export const SESSION_SECONDS = 8 * 60 * 60;

const CONTEXT = "opencontact-staff-session-v1";

function base64url(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function fromBase64url(text: string): Uint8Array<ArrayBuffer> | null {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) return null;
  try {
    const binary = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
    return Uint8Array.from(binary, (char) => char.charCodeAt(0));
  } catch {
    return null;
  }
}

async function mac(key: Uint8Array<ArrayBuffer>, payload: string): Promise<Uint8Array<ArrayBuffer>> {
  const hmacKey = await crypto.subtle.importKey("raw", key, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const signature = await crypto.subtle.sign("HMAC", hmacKey, new TextEncoder().encode(`${CONTEXT}\0${payload}`));
  return new Uint8Array(signature);
}

/** The cookie value for `name`, valid until `expires` (seconds since the epoch). */
export async function createSession(name: string, key: Uint8Array<ArrayBuffer>, expires: number): Promise<string> {
  const payload = `${base64url(new TextEncoder().encode(name))}.${expires}`;
  return `${payload}.${base64url(await mac(key, payload))}`;
}

/** The token name a session cookie vouches for, or null if forged, stale or revoked. */
export async function verifySession(
  value: string,
  keys: Map<string, Uint8Array<ArrayBuffer>>,
  now: number,
): Promise<string | null> {
  const [encodedName, expiresText, signatureText, extra] = value.split(".");
  if (!encodedName || !expiresText || !signatureText || extra !== undefined) return null;
  const nameBytes = fromBase64url(encodedName);
  const signature = fromBase64url(signatureText);
  if (!nameBytes || !signature || signature.length !== 32 || !/^\d{1,12}$/.test(expiresText)) return null;
  const name = new TextDecoder().decode(nameBytes);
  const key = keys.get(name);
  if (!key) return null;
  const expected = await mac(key, `${encodedName}.${expiresText}`);
  if (!crypto.subtle.timingSafeEqual(signature, expected)) return null;
  return Number(expiresText) > now ? name : null;
}
