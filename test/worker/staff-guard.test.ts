/**
 * The staff guard: every registered staff route, pages and JSON, refuses
 * requests without a valid credential (401, or 403 when Access is not
 * configured, 429 once wrong tokens pass the limit; pages redirect to the
 * sign-in page), and accepts a named token, a session and an Access JWT.
 * The Access JWKS is served by stubbing global fetch at the certs URL, so
 * the worker's real `createRemoteJWKSet` path (fetch, cache, kid lookup) runs.
 */
import { env } from "cloudflare:workers";
import { SignJWT } from "jose";
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { app } from "../../worker/index.ts";
import { freshLog } from "./helpers.ts";
import {
  accessJwt,
  accessKeys,
  basic,
  newEvent,
  seed,
  serveJwks,
  staffEnv,
  TOKEN,
  TOKEN_NAME,
} from "./staff-helpers.ts";

const CONSENT_ID = "3f1c2b9a-8d7e-4c6b-9a5f-0e1d2c3b4a59";
const EVENT_ID = "7d5e4c3b-2a19-4f8e-8d7c-6b5a49382716";

/** Every staff route the app registers, with its parameters filled in. */
function staffRoutes(): { method: string; path: string }[] {
  const seen = new Set<string>();
  const routes: { method: string; path: string }[] = [];
  for (const route of app.routes) {
    if (route.method === "ALL") continue; // middleware
    if (!/^\/(api\/)?staff(\/|$)/.test(route.path)) continue;
    const path = route.path.replace(":consentId", CONSENT_ID).replace(":id", "1");
    const key = `${route.method} ${path}`;
    if (seen.has(key)) continue;
    seen.add(key);
    routes.push({ method: route.method, path });
  }
  return routes;
}

let keys: Awaited<ReturnType<typeof accessKeys>>;

/** The session secret these tests sign in with (the worker's env holds none). */
const SESSION_SECRET = "a-test-session-secret-of-forty-characters";
const sessionEnv = (overrides: Partial<Env> = {}) => staffEnv({ SESSION_SECRET, ...overrides });

beforeAll(async () => {
  keys = await accessKeys();
});

// Failed attempts are audited and counted: each test starts from an empty log.
beforeEach(async () => {
  await freshLog();
  await seed([newEvent({ consentId: CONSENT_ID, eventId: EVENT_ID, userAgent: "LeakCanary/1.0" })]);
});

/** A refusal: 401, 403 or 429 for JSON; a redirect to the sign-in page for a page. */
function expectRefused(response: Response, what: string) {
  if (response.status === 303) {
    expect(response.headers.get("Location"), what).toMatch(/^\/staff-sign-in(\?|$)/);
  } else {
    expect([401, 403, 429], what).toContain(response.status);
  }
}

afterEach(() => {
  vi.unstubAllGlobals();
});

function base64url(text: string): string {
  return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

type BadCredential = { name: string; headers: () => Promise<Record<string, string>>; testEnv?: () => Env };

const jwtHeader = async (options: Parameters<typeof accessJwt>[2]) => ({
  "Cf-Access-Jwt-Assertion": await accessJwt(keys.privateKey, keys.kid, options),
});

const BAD: BadCredential[] = [
  { name: "no credentials", headers: async () => ({}) },
  {
    name: "a wrong token of the right length",
    headers: async () => ({ Authorization: basic(TOKEN_NAME, "x".repeat(TOKEN.length)) }),
  },
  { name: "a wrong token of another length", headers: async () => ({ Authorization: basic(TOKEN_NAME, "short") }) },
  { name: "an empty token", headers: async () => ({ Authorization: basic(TOKEN_NAME, "") }) },
  { name: "a very long token", headers: async () => ({ Authorization: basic(TOKEN_NAME, "y".repeat(10_000)) }) },
  { name: "an unknown name", headers: async () => ({ Authorization: basic("mallory", TOKEN) }) },
  { name: "another staff member's token", headers: async () => ({ Authorization: basic("bob", TOKEN) }) },
  { name: "Bearer without a name", headers: async () => ({ Authorization: `Bearer ${TOKEN}` }) },
  { name: "an unknown scheme", headers: async () => ({ Authorization: `Digest ${TOKEN}` }) },
  { name: "Basic that is not base64", headers: async () => ({ Authorization: "Basic %%%" }) },
  {
    name: "a forged session cookie",
    headers: async () => ({ Cookie: `staff_session=${base64url(TOKEN_NAME)}.9999999999.${base64url("x".repeat(32))}` }),
  },
  { name: "a malformed session cookie", headers: async () => ({ Cookie: "staff_session=nonsense" }) },
  {
    name: "a right token when STAFF_TOKENS is unset",
    headers: async () => ({ Authorization: basic(TOKEN_NAME, TOKEN) }),
    testEnv: () => staffEnv({ STAFF_TOKENS: undefined as unknown as string }),
  },
  {
    name: "a right token when STAFF_TOKENS is malformed",
    headers: async () => ({ Authorization: basic(TOKEN_NAME, TOKEN) }),
    testEnv: () => staffEnv({ STAFF_TOKENS: "{not json" }),
  },
  { name: "a JWT for another audience", headers: () => jwtHeader({ audience: "another-application" }) },
  { name: "a JWT from another issuer", headers: () => jwtHeader({ issuer: "https://evil.cloudflareaccess.com" }) },
  { name: "an expired JWT", headers: () => jwtHeader({ expiresIn: -120 }) },
  { name: "a JWT not yet valid", headers: () => jwtHeader({ notBefore: 600 }) },
  { name: "a JWT with neither email nor common_name", headers: () => jwtHeader({ email: null }) },
  { name: "a JWT signed by an unknown key id", headers: () => jwtHeader({ kid: "not-a-published-key" }) },
  {
    name: "a JWT with alg none",
    headers: async () => {
      const now = Math.floor(Date.now() / 1000);
      const payload = {
        iss: "https://opencontact.cloudflareaccess.com",
        aud: staffEnv().ACCESS_AUD,
        exp: now + 600,
        email: "x@y.z",
      };
      return {
        "Cf-Access-Jwt-Assertion": `${base64url(JSON.stringify({ alg: "none", typ: "JWT" }))}.${base64url(JSON.stringify(payload))}.`,
      };
    },
  },
  {
    name: "a JWT signed HS256 with the public key as secret",
    headers: async () => {
      const secret = new TextEncoder().encode(JSON.stringify(keys.jwk));
      const jwt = await new SignJWT({ email: "x@y.z" })
        .setProtectedHeader({ alg: "HS256", kid: keys.kid })
        .setIssuer("https://opencontact.cloudflareaccess.com")
        .setAudience(staffEnv().ACCESS_AUD)
        .setExpirationTime("10m")
        .sign(secret);
      return { "Cf-Access-Jwt-Assertion": jwt };
    },
  },
  { name: "garbage in the JWT header", headers: async () => ({ "Cf-Access-Jwt-Assertion": "not.a.jwt" }) },
  {
    name: "a valid JWT when the Access team is not configured",
    headers: () => jwtHeader({}),
    testEnv: () => staffEnv({ ACCESS_TEAM_DOMAIN: "" }),
  },
  {
    name: "a valid JWT when the Access audience is not configured",
    headers: () => jwtHeader({}),
    testEnv: () => staffEnv({ ACCESS_AUD: "" }),
  },
  {
    name: "a valid JWT beside a valid token (the JWT alone decides)",
    headers: async () => ({ ...(await jwtHeader({ expiresIn: -120 })), Authorization: basic(TOKEN_NAME, TOKEN) }),
  },
];

describe("staff guard", () => {
  it("covers the staff routes the issue lists", () => {
    const paths = staffRoutes().map((route) => `${route.method} ${route.path}`);
    expect(paths).toEqual(
      expect.arrayContaining([
        "GET /staff",
        "GET /staff/stats",
        "GET /staff/audit",
        `GET /staff/consents/${CONSENT_ID}`,
        "GET /staff/events/1",
        "GET /api/staff/events",
        "GET /api/staff/events.csv",
        `GET /api/staff/consents/${CONSENT_ID}`,
        "GET /api/staff/stats",
        "GET /api/staff/audit",
      ]),
    );
  });

  for (const bad of BAD) {
    it(`refuses ${bad.name} on every staff route`, async () => {
      serveJwks([keys.jwk]);
      const headers = await bad.headers();
      for (const { method, path } of staffRoutes()) {
        const response = await app.request(path, { method, headers }, bad.testEnv?.() ?? sessionEnv());
        expectRefused(response, `${method} ${path}`);
        const text = await response.text();
        expect(text, `${method} ${path} leaks data`).not.toMatch(/LeakCanary|7d5e4c3b-2a19/);
      }
      // No look at the log was audited; only failed sign-ins are.
      const rows = await env.DB.prepare("SELECT COUNT(*) AS n FROM staff_audit WHERE action != 'auth_failure'").first<{
        n: number;
      }>();
      expect(rows?.n).toBe(0);
    });
  }

  it("lets a valid token reach every staff route", async () => {
    for (const { method, path } of staffRoutes()) {
      const response = await app.request(
        path,
        { method, headers: { Authorization: basic(TOKEN_NAME, TOKEN) } },
        staffEnv(),
      );
      expect([200, 303], `${method} ${path}`).toContain(response.status);
      await response.arrayBuffer();
    }
  });

  it("answers the API with the JSON envelope and a Basic challenge, pages with a redirect to sign-in", async () => {
    const api = await app.request("/api/staff/events", {}, staffEnv());
    expect(api.status).toBe(401);
    expect(api.headers.get("WWW-Authenticate")).toMatch(/^Basic realm=/);
    expect(await api.json()).toMatchObject({ error: { code: "unauthorized" } });
    const page = await app.request("/staff/stats?from=2026-01-01", {}, staffEnv());
    expect(page.status).toBe(303);
    expect(page.headers.get("WWW-Authenticate")).toBeNull();
    expect(page.headers.get("Location")).toBe(
      `/staff-sign-in?next=${encodeURIComponent("/staff/stats?from=2026-01-01")}`,
    );
    const signIn = await app.request(page.headers.get("Location") ?? "", {}, staffEnv());
    const html = await signIn.text();
    expect(html).toContain('action="/staff-sign-in"');
    expect(html).toContain('value="/staff/stats?from=2026-01-01"');
    const forbidden = await app.request(
      "/api/staff/events",
      { headers: await jwtHeader({}) },
      staffEnv({ ACCESS_AUD: "" }),
    );
    expect(forbidden.status).toBe(403);
    expect(await forbidden.json()).toMatchObject({ error: { code: "forbidden" } });
  });

  it("lets a named token in, by Basic or Bearer", async () => {
    for (const authorization of [basic(TOKEN_NAME, TOKEN), `Bearer ${TOKEN_NAME}:${TOKEN}`]) {
      const response = await app.request(
        "/api/staff/events",
        { headers: { Authorization: authorization } },
        staffEnv(),
      );
      expect(response.status).toBe(200);
      expect(response.headers.get("Cache-Control")).toBe("private, no-store");
    }
  });

  it("lets a valid Access JWT in, identified by its email, fetching the keys once per isolate", async () => {
    const fetchMock = serveJwks([keys.jwk]);
    for (const team of ["opencontact.cloudflareaccess.com", "https://opencontact.cloudflareaccess.com/"]) {
      const response = await app.request(
        "/api/staff/events?method=custom",
        { headers: await jwtHeader({ email: "dana@opencontact.co.uk" }) },
        staffEnv({ ACCESS_TEAM_DOMAIN: team }),
      );
      expect(response.status).toBe(200);
    }
    const row = await env.DB.prepare("SELECT actor, via FROM staff_audit ORDER BY id DESC").first();
    expect(row).toEqual({ actor: "dana@opencontact.co.uk", via: "access" });
    // The key set was fetched at most once for both requests (cached per isolate).
    expect(
      fetchMock.mock.calls.filter(([url]) => String(url).includes("/cdn-cgi/access/certs")).length,
    ).toBeLessThanOrEqual(1);
  });

  it("records an Access service token (no email) by its client id", async () => {
    serveJwks([keys.jwk]);
    const response = await app.request(
      "/api/staff/events",
      { headers: await jwtHeader({ email: null, commonName: "a1b2c3.access" }) },
      staffEnv(),
    );
    expect(response.status).toBe(200);
    const row = await env.DB.prepare("SELECT actor, via FROM staff_audit ORDER BY id DESC").first();
    expect(row).toEqual({ actor: "service-token:a1b2c3.access", via: "access" });
  });

  it("fails closed with 503 when the Access keys cannot be fetched", async () => {
    vi.stubGlobal(
      "fetch",
      vi.fn(async () => {
        throw new TypeError("network down");
      }),
    );
    const otherTeam = staffEnv({ ACCESS_TEAM_DOMAIN: "unreachable.cloudflareaccess.com" });
    const jwt = await accessJwt(keys.privateKey, keys.kid, { issuer: "https://unreachable.cloudflareaccess.com" });
    const response = await app.request("/api/staff/events", { headers: { "Cf-Access-Jwt-Assertion": jwt } }, otherTeam);
    expect(response.status).toBe(503);
    expect(response.headers.get("Retry-After")).not.toBeNull();
  });

  it("signs in with a token through the form, keeps a session cookie, and signs out", async () => {
    const origin = "http://localhost";
    const form = new URLSearchParams({ name: TOKEN_NAME, token: TOKEN, next: "/staff/audit" });
    const signIn = await app.request(
      "/staff-sign-in",
      { method: "POST", body: form, headers: { Origin: origin, "Content-Type": "application/x-www-form-urlencoded" } },
      sessionEnv(),
    );
    expect(signIn.status).toBe(303);
    expect(signIn.headers.get("Location")).toBe("/staff/audit");
    const setCookie = signIn.headers.get("Set-Cookie") ?? "";
    expect(setCookie).toMatch(/^staff_session=[^;]+;/);
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Strict/);
    expect(setCookie).not.toContain(TOKEN);
    const cookie = setCookie.split(";")[0] ?? "";
    const page = await app.request("/staff/audit", { headers: { Cookie: cookie } }, sessionEnv());
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("Signed in as <strong>alice</strong></p>");

    // Revoking the token (a new digest) ends the session at once.
    const revoked = await app.request(
      "/staff/audit",
      { headers: { Cookie: cookie } },
      sessionEnv({ STAFF_TOKENS: JSON.stringify({ alice: "0".repeat(64) }) }),
    );
    expect(revoked.status).toBe(303);

    const signOut = await app.request(
      "/staff-sign-in/sign-out",
      { method: "POST", headers: { Cookie: cookie, Origin: origin } },
      sessionEnv(),
    );
    expect(signOut.status).toBe(303);
    expect(signOut.headers.get("Set-Cookie")).toMatch(/staff_session=;.*Max-Age=0/);
  });

  it("refuses a wrong sign-in, a cross-site sign-in and an off-site redirect", async () => {
    const post = (fields: Record<string, string>, origin = "http://localhost") =>
      app.request(
        "/staff-sign-in",
        {
          method: "POST",
          body: new URLSearchParams(fields),
          headers: { Origin: origin, "Content-Type": "application/x-www-form-urlencoded" },
        },
        sessionEnv(),
      );
    const wrong = await post({ name: TOKEN_NAME, token: "nope" });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get("Set-Cookie")).toBeNull();
    expect((await post({ name: TOKEN_NAME, token: TOKEN }, "https://evil.example")).status).toBe(403);
    for (const next of ["https://evil.example/", "//evil.example/staff", "/\\evil.example", "/privacy"]) {
      const response = await post({ name: TOKEN_NAME, token: TOKEN, next });
      expect(response.headers.get("Location")).toBe("/staff");
    }
  });

  it("serves staff pages under their own strict CSP", async () => {
    const response = await app.request("/staff", { headers: { Authorization: basic(TOKEN_NAME, TOKEN) } }, staffEnv());
    expect(response.status).toBe(200);
    const csp = response.headers.get("Content-Security-Policy") ?? "";
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'none'");
    expect(csp).not.toContain("unsafe-inline");
    const html = await response.text();
    expect(html).not.toMatch(/<script|\sstyle=|\son[a-z]+=/i);
    const signIn = await app.request("/staff-sign-in", {}, sessionEnv());
    expect(signIn.headers.get("Content-Security-Policy")).toContain("script-src 'none'");
  });
});
