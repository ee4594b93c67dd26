/**
 * Builders for staff tests: an env with one named staff token (and Access
 * settings), authenticated requests, events seeded straight into the log,
 * and an RSA key pair whose JWKS is served where the worker fetches it.
 */
import { env } from "cloudflare:workers";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import { vi } from "vitest";
import { insertEventStatement, type NewConsentEvent } from "../../worker/db/consent-events.ts";
import { STATEMENT } from "../../worker/generated/privacy-statement.ts";
import { app } from "../../worker/index.ts";
import { recordCurrentRevision } from "../../worker/lib/current-revision.ts";

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

let eventCounter = 0;

export function newEvent(overrides: Partial<NewConsentEvent> = {}): NewConsentEvent {
  eventCounter += 1;
  return {
    eventId: crypto.randomUUID(),
    consentId: crypto.randomUUID(),
    receivedAt: new Date(Date.UTC(2026, 10, 1, 12, 0, eventCounter % 60)).toISOString(),
    method: "custom",
    choices: { analytics: true, functionality: false, targeting: false },
    revision: STATEMENT.revision,
    textsHash: null,
    pageUrl: "https://www.opencontact.co.uk/pricing",
    userAgent: "Mozilla/5.0 TestBrowser/1.0",
    ipPrefix: "203.0.113.0/24",
    country: "GB",
    language: "en-GB",
    gpc: false,
    widgetVersion: "0.1.0",
    ...overrides,
  };
}

/** Inserts events (and the current revision they refer to) straight into the log. */
export async function seed(events: NewConsentEvent[]): Promise<void> {
  const statements = [recordCurrentRevision(env.DB, "2026-01-01T00:00:00.000Z")];
  for (const event of events) statements.push(insertEventStatement(env.DB, event));
  for (let i = 0; i < statements.length; i += 500) await env.DB.batch(statements.slice(i, i + 500));
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
