/**
 * @module
 * Named staff tokens for deployments without Cloudflare Access (and local
 * development). `STAFF_TOKENS` is a secret holding a JSON object of name ->
 * SHA-256 hex of the token; the worker never sees a token in clear except
 * when one is presented. Comparison is over fixed-length digests with
 * `crypto.subtle.timingSafeEqual`, so neither a token's content nor its
 * length leaks through timing, and a wrong-length token is a plain 401.
 */

const DIGEST_HEX = /^[0-9a-f]{64}$/;
export const TOKEN_NAME_PATTERN = /^[A-Za-z0-9._@-]{1,64}$/;

/**
 * The digest of the public `dev` token in `.dev.vars.example` (token
 * `opencontact-local-staff-token`): anyone can read it, so it only ever works
 * on plain-http local development. `npm run deploy` refuses it too.
 */
export const LOCAL_DEVELOPMENT_DIGEST = "e423c7af31db1fd6dcba2941cd6d295835657051bbe7c48068ed7fe06cd521f9";

let warnedLocalToken = false;

/** Compared against when a name is unknown, so a miss costs the same as a hit. */
const DUMMY_DIGEST = new Uint8Array(32);

export function hexToBytes(hex: string): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return bytes;
}

export async function sha256(text: string): Promise<Uint8Array<ArrayBuffer>> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
}

/**
 * Parses the secret into name -> digest. Malformed entries are dropped and a
 * malformed secret allows nobody: a configuration mistake fails closed. On
 * https the public local development token is dropped as well.
 */
export function parseStaffTokens(secret: string | undefined, secure = false): Map<string, Uint8Array<ArrayBuffer>> {
  const tokens = new Map<string, Uint8Array<ArrayBuffer>>();
  if (!secret?.trim()) return tokens;
  let parsed: unknown;
  try {
    parsed = JSON.parse(secret);
  } catch {
    console.error("STAFF_TOKENS is not valid JSON; no staff token is accepted");
    return tokens;
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return tokens;
  for (const [name, digest] of Object.entries(parsed)) {
    if (secure && typeof digest === "string" && digest.toLowerCase() === LOCAL_DEVELOPMENT_DIGEST) {
      if (!warnedLocalToken) console.error("STAFF_TOKENS holds the public local development token; it is ignored");
      warnedLocalToken = true;
    } else if (TOKEN_NAME_PATTERN.test(name) && typeof digest === "string" && DIGEST_HEX.test(digest.toLowerCase())) {
      tokens.set(name, hexToBytes(digest.toLowerCase()));
    } else {
      console.error("STAFF_TOKENS holds a malformed entry; it is ignored");
    }
  }
  return tokens;
}

/** True when `token` is the one registered under `name`. */
export async function verifyStaffToken(
  tokens: Map<string, Uint8Array<ArrayBuffer>>,
  name: string,
  token: string,
): Promise<boolean> {
  const expected = tokens.get(name);
  const presented = await sha256(token);
  const equal = crypto.subtle.timingSafeEqual(presented, expected ?? DUMMY_DIGEST);
  return expected !== undefined && equal;
}
