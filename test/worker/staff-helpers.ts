/**
 * Builders for staff tests: an env with one named staff token (and Access
 * settings), authenticated requests, a database that records what is asked
 * of it, and an RSA key pair whose JWKS is served where the worker fetches
 * it. Events and revisions come from the worker fixtures in ./helpers.ts.
 */
import { env } from "cloudflare:workers";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import { vi } from "vitest";
import { app } from "../../worker/index.ts";

export { newEvent, seed } from "./helpers.ts";

export const TOKEN_NAME = "alice";
export const TOKEN = "correct-horse-battery-staple-0123456789";
export const TEAM_DOMAIN = "opencontact.cloudflareaccess.com";
export const ISSUER = `https://${TEAM_DOMAIN}`;
export const AUDIENCE = "a1b2c3d4e5f6a1b2c3d4e5f6a1b2c3d4e5f6a1b2c3d4e5f6a1b2c3d4e5f6a1b2";
export const CERTS_URL = `${ISSUER}/cdn-cgi/access/certs`;

async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((byte) => byte.toString(16).padStart(2, "0")).join("");
}

export const STAFF_TOKENS = JSON.stringify({
  [TOKEN_NAME]: await sha256Hex(TOKEN),
  bob: await sha256Hex("bobs-token"),
});

export function staffEnv(overrides: Partial<Env> = {}): Env {
  return {
    ...env,
    STAFF_TOKENS,
    ACCESS_TEAM_DOMAIN: TEAM_DOMAIN,
    ACCESS_AUD: AUDIENCE,
    ...overrides,
  };
}

export function basic(name: string, token: string): string {
  return `Basic ${btoa(`${name}:${token}`)}`;
}

/** A request signed in with alice's token. */
export function staffRequest(path: string, init: RequestInit = {}, testEnv: Env = staffEnv()) {
  const headers = new Headers(init.headers);
  if (!headers.has("Authorization")) headers.set("Authorization", basic(TOKEN_NAME, TOKEN));
  return Promise.resolve(app.request(path, { ...init, headers }, testEnv));
}

/**
 * The test database behind a proxy that notes the SQL of every statement
 * prepared or executed, to prove a request was refused before any query.
 */
export function watchedDb(): { db: D1Database; sql: string[] } {
  const sql: string[] = [];
  const db = new Proxy(env.DB, {
    get(target, property) {
      if (property === "prepare" || property === "exec") {
        return (text: string) => {
          sql.push(text);
          return property === "prepare" ? target.prepare(text) : target.exec(text);
        };
      }
      const value = Reflect.get(target, property);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return { db, sql };
}

export async function auditRows(): Promise<
  { actor: string; via: string; action: string; query: string; row_count: number | null }[]
> {
  const { results } = await env.DB.prepare(
    "SELECT actor, via, action, query, row_count FROM staff_audit ORDER BY id",
  ).all<{
    actor: string;
    via: string;
    action: string;
    query: string;
    row_count: number | null;
  }>();
  return results;
}

/** An RSA key pair for Access JWTs, its public half served as the team's JWKS. */
export async function accessKeys(kid = "test-key-1") {
  const { privateKey, publicKey } = await generateKeyPair("RS256", { extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid, alg: "RS256", use: "sig" };
  return { privateKey, jwk, kid };
}

/**
 * Serves `keys` at the Access certs URL by stubbing global fetch, so the
 * worker's real remote-JWKS code path runs; anything else is a test error.
 */
export function serveJwks(keys: object[]) {
  const fetchMock = vi.fn(async (input: RequestInfo | URL) => {
    const url = input instanceof Request ? input.url : String(input);
    if (url === CERTS_URL) return Response.json({ keys });
    throw new Error(`unexpected fetch to ${url}`);
  });
  vi.stubGlobal("fetch", fetchMock);
  return fetchMock;
}

export interface JwtOptions {
  issuer?: string;
  audience?: string;
  email?: string | null;
  commonName?: string;
  expiresIn?: number;
  notBefore?: number;
  kid?: string;
}

export async function accessJwt(privateKey: CryptoKey, kid: string, options: JwtOptions = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const claims: Record<string, unknown> =
    options.email === null ? {} : { email: options.email ?? "carol@opencontact.co.uk" };
  if (options.commonName) claims.common_name = options.commonName;
  const jwt = new SignJWT(claims)
    .setProtectedHeader({ alg: "RS256", kid: options.kid ?? kid })
    .setIssuer(options.issuer ?? ISSUER)
    .setAudience(options.audience ?? AUDIENCE)
    .setIssuedAt(now - 60)
    .setExpirationTime(now + (options.expiresIn ?? 600));
  if (options.notBefore !== undefined) jwt.setNotBefore(now + options.notBefore);
  return jwt.sign(privateKey);
}

/** An RFC 4180 parser for checking exports (quoted fields, doubled quotes, CRLF). */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (quoted) {
      if (char === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (char === '"') {
        quoted = false;
      } else {
        cell += char;
      }
    } else if (char === '"') {
      quoted = true;
    } else if (char === ",") {
      row.push(cell);
      cell = "";
    } else if (char === "\r" && text[i + 1] === "\n") {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = "";
      i++;
    } else {
      cell += char;
    }
  }
  if (cell !== "" || row.length > 0) {
    row.push(cell);
    rows.push(row);
  }
  return rows;
}
