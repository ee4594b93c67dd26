/**
 * Staff sessions end on the server and attacks are counted (issue 10; OWASP
 * ASVS V2.2, V3.3, V7.2): sign-out, a token change and a revoke end copied
 * cookies; cookies minted from the token digest, from the future or past
 * their lifetime are refused; wrong tokens are audited (never the secret)
 * and limited per token name and IP prefix, and the right token gets in
 * once the window has passed; the sign-in return address stays on staff pages.
 */
import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { endSessionsStatement } from "../../worker/db/staff-sessions.ts";
import { app } from "../../worker/index.ts";
import {
  FAILURE_WINDOW_MS,
  MAX_FAILURES_PER_IP_PREFIX,
  MAX_FAILURES_PER_NAME,
} from "../../worker/lib/auth/attempts.ts";
import { createSession, IDLE_MS, LOCAL_SESSION_SECRET, SESSION_MS } from "../../worker/lib/auth/session.ts";
import { LOCAL_DEVELOPMENT_DIGEST } from "../../worker/lib/auth/tokens.ts";
import { safeNext } from "../../worker/routes/staff-sign-in.tsx";
import { freshLog } from "./helpers.ts";
import { auditRows, basic, STAFF_TOKENS, staffEnv, TOKEN, TOKEN_NAME } from "./staff-helpers.ts";

const SESSION_SECRET = "a-test-session-secret-of-forty-characters";
const ORIGIN = "http://localhost";
const testEnv = (overrides: Partial<Env> = {}) => staffEnv({ SESSION_SECRET, ...overrides });
const aliceDigest = (JSON.parse(STAFF_TOKENS) as Record<string, string>)[TOKEN_NAME] ?? "";

function hexBytes(hex: string): Uint8Array {
  return Uint8Array.from(hex.match(/../g) ?? [], (byte) => Number.parseInt(byte, 16));
}

function signIn(fields: Record<string, string>, options: { ip?: string; url?: string; env?: Env } = {}) {
  const url = options.url ?? `${ORIGIN}/staff-sign-in`;
  return Promise.resolve(
    app.request(
      url,
      {
        method: "POST",
        body: new URLSearchParams(fields),
        headers: {
          Origin: new URL(url).origin,
          "Content-Type": "application/x-www-form-urlencoded",
          ...(options.ip ? { "CF-Connecting-IP": options.ip } : {}),
        },
      },
      options.env ?? testEnv(),
    ),
  );
}

async function sessionCookie(): Promise<string> {
  const response = await signIn({ name: TOKEN_NAME, token: TOKEN, next: "/staff/audit" });
  expect(response.status).toBe(303);
  return (response.headers.get("Set-Cookie") ?? "").split(";")[0] ?? "";
}

function withCookie(cookie: string, path = "/staff/audit", overrides: Partial<Env> = {}) {
  return Promise.resolve(app.request(path, { headers: { Cookie: cookie } }, testEnv(overrides)));
}

const signedIn = (response: Response) => response.status === 200;

beforeEach(freshLog);
afterEach(() => {
  vi.useRealTimers();
});

describe("staff sessions end on the server", () => {
  it("sign-out ends a copied cookie, and every other session of that name", async () => {
    const laptop = await sessionCookie();
    const phone = await sessionCookie();
    const copy = laptop; // what an attacker lifted from the laptop
    expect(signedIn(await withCookie(copy))).toBe(true);
    const signOut = await app.request(
      "/staff-sign-in/sign-out",
      { method: "POST", headers: { Cookie: laptop, Origin: ORIGIN } },
      testEnv(),
    );
    expect(signOut.status).toBe(303);
    expect(signOut.headers.get("Location")).toBe("/staff-sign-in");
    for (const cookie of [copy, phone]) {
      const after = await withCookie(cookie);
      expect(after.status).toBe(303);
      expect(after.headers.get("Location")).toBe(`/staff-sign-in?next=${encodeURIComponent("/staff/audit")}`);
      // The JSON API refuses it as well.
      expect((await withCookie(cookie, "/api/staff/audit")).status).toBe(401);
    }
    // Signing in again afterwards works.
    expect(signedIn(await withCookie(await sessionCookie()))).toBe(true);
    // Each look at /staff/audit is audited too (view_audit): only the sign-ins and sign-outs matter here.
    const signIns = (await auditRows()).map((row) => row.action).filter((action) => action.startsWith("sign_"));
    expect(signIns).toEqual(["sign_in", "sign_in", "sign_out", "sign_in"]);
  });

  it("a token change ends its sessions; another name's sessions live on", async () => {
    const cookie = await sessionCookie();
    const changed = JSON.stringify({ ...JSON.parse(STAFF_TOKENS), [TOKEN_NAME]: "1".repeat(64) });
    expect((await withCookie(cookie, "/staff/audit", { STAFF_TOKENS: changed })).status).toBe(303);
    const removed = JSON.stringify({ bob: (JSON.parse(STAFF_TOKENS) as Record<string, string>).bob });
    expect((await withCookie(cookie, "/staff/audit", { STAFF_TOKENS: removed })).status).toBe(303);
    expect(signedIn(await withCookie(cookie))).toBe(true);
  });

  it("an administrator's revoke (the staff_sessions cut-off) ends every session of that name", async () => {
    const cookie = await sessionCookie();
    await endSessionsStatement(env.DB, "bob", Date.now()).run();
    expect(signedIn(await withCookie(cookie))).toBe(true);
    await env.DB.prepare(
      // The statement `npm run staff-token -- --revoke alice` prints (test/scripts/deploy.test.ts runs it for real).
      "INSERT INTO staff_sessions (name, valid_after) VALUES ('alice', CAST(unixepoch('subsec') * 1000 AS INTEGER)) " +
        "ON CONFLICT (name) DO UPDATE SET valid_after = max(valid_after, excluded.valid_after)",
    ).run();
    expect((await withCookie(cookie)).status).toBe(303);
  });

  it("refuses a cookie minted from the token digest, from the far future, or past its lifetime", async () => {
    const digest = hexBytes(aliceDigest);
    const now = Date.now();
    // The old scheme: HMAC keyed with the digest `npm run staff-token` prints, expiry in the year 33658.
    const key = await crypto.subtle.importKey("raw", digest, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
    const payload = `${btoa(TOKEN_NAME).replace(/=+$/, "")}.999999999999`;
    const oldMac = new Uint8Array(
      await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(`opencontact-staff-session-v1\0${payload}`)),
    );
    const oldCookie = `${payload}.${btoa(String.fromCharCode(...oldMac))
      .replace(/\+/g, "-")
      .replace(/\//g, "_")
      .replace(/=+$/, "")}`;
    // The new format, but signed with the digest instead of the server's secret.
    const fromDigest = await createSession({ name: TOKEN_NAME, issued: now, seen: now }, aliceDigest, digest);
    // Properly signed (as if the secret leaked into a test), yet the server's clock decides.
    const sign = (issued: number, seen: number) =>
      createSession({ name: TOKEN_NAME, issued, seen }, SESSION_SECRET, digest);
    const farFuture = Date.UTC(33658, 0, 1);
    const cases: [string, string][] = [
      ["old scheme, year 33658", oldCookie],
      ["signed with the digest", fromDigest],
      ["issued in the far future", await sign(farFuture, farFuture)],
      ["past its 8 hours, though used a minute ago", await sign(now - SESSION_MS - 1000, now - 60_000)],
      ["idle for longer than 30 minutes", await sign(now - 60 * 60_000, now - IDLE_MS - 1000)],
      ["seen before it was issued", await sign(now - 60_000, now - 120_000)],
    ];
    for (const [what, value] of cases) {
      expect((await withCookie(`staff_session=${value}`)).status, what).toBe(303);
    }
    // The control: a cookie signed the same way inside both limits is accepted.
    expect(signedIn(await withCookie(`staff_session=${await sign(now - 60 * 60_000, now - 60_000)}`))).toBe(true);
  });

  it("slides the idle timeout: a session used after a few minutes gets a fresh cookie, and lives on", async () => {
    const digest = hexBytes(aliceDigest);
    const now = Date.now();
    const cookie = `staff_session=${await createSession({ name: TOKEN_NAME, issued: now - 3_600_000, seen: now - 20 * 60_000 }, SESSION_SECRET, digest)}`;
    const used = await withCookie(cookie);
    expect(used.status).toBe(200);
    const refreshed = (used.headers.get("Set-Cookie") ?? "").split(";")[0] ?? "";
    expect(refreshed).toMatch(/^staff_session=/);
    // 15 minutes on, the old cookie is idle too long but the refreshed one is not.
    vi.useFakeTimers({ now: now + 15 * 60_000, toFake: ["Date"] });
    expect((await withCookie(cookie)).status).toBe(303);
    const later = await withCookie(refreshed);
    expect(later.status).toBe(200);
    // A cookie refreshed a moment ago gets no new Set-Cookie: no write for every request.
    const latest = (later.headers.get("Set-Cookie") ?? "").split(";")[0] ?? "";
    expect((await withCookie(latest)).headers.get("Set-Cookie")).toBeNull();
  });

  it("names the cookie __Host- on https (Secure, Path=/, no Domain) and ignores a plain-named one there", async () => {
    const response = await signIn({ name: TOKEN_NAME, token: TOKEN }, { url: "https://consent.example/staff-sign-in" });
    expect(response.status).toBe(303);
    const setCookie = response.headers.get("Set-Cookie") ?? "";
    expect(setCookie).toMatch(
      /^__Host-staff_session=[^;]+; Max-Age=28800; Path=\/; HttpOnly; Secure; SameSite=Strict$/,
    );
    const value = setCookie.split(";")[0]?.split("=")[1] ?? "";
    const page = (cookie: string) =>
      app.request("https://consent.example/staff/audit", { headers: { Cookie: cookie } }, testEnv());
    expect((await page(`__Host-staff_session=${value}`)).status).toBe(200);
    // A sibling subdomain can set `staff_session` for the parent domain, never `__Host-…`.
    expect((await page(`staff_session=${value}`)).status).toBe(303);
  });

  it("refuses sessions without a usable SESSION_SECRET, and the public local values on https", async () => {
    // Unset explicitly: the .dev.vars that `npm start` creates holds the local one.
    const noSecret = await signIn({ name: TOKEN_NAME, token: TOKEN }, { env: staffEnv({ SESSION_SECRET: undefined }) });
    expect(noSecret.status).toBe(503);
    expect(noSecret.headers.get("Set-Cookie")).toBeNull();
    expect(await noSecret.text()).toContain("SESSION_SECRET");
    const https = "https://consent.example/staff-sign-in";
    const exampleSecret = await signIn(
      { name: TOKEN_NAME, token: TOKEN },
      { url: https, env: testEnv({ SESSION_SECRET: LOCAL_SESSION_SECRET }) },
    );
    expect(exampleSecret.status).toBe(503);
    // The dev token of .dev.vars.example works on http://127.0.0.1 only.
    const devTokens = JSON.stringify({ dev: LOCAL_DEVELOPMENT_DIGEST });
    const devSignIn = (url: string) =>
      signIn(
        { name: "dev", token: "opencontact-local-staff-token" },
        { url, env: testEnv({ STAFF_TOKENS: devTokens }) },
      );
    expect((await devSignIn("http://127.0.0.1:8787/staff-sign-in")).status).toBe(303);
    expect((await devSignIn(https)).status).toBe(401);
  });
});

describe("failed sign-ins are audited and limited", () => {
  it("audits each failure with the name and IP prefix, never the secret, and shows them on the audit page", async () => {
    await signIn({ name: TOKEN_NAME, token: "wrong-secret-1" }, { ip: "203.0.113.9" });
    await signIn({ name: "no-such-person", token: "wrong-secret-2" }, { ip: "203.0.113.10" });
    // Someone pasting their token into the name box: an unknown name is never stored as typed.
    await signIn({ name: TOKEN, token: TOKEN }, { ip: "203.0.113.11" });
    await app.request(
      "/api/staff/events",
      { headers: { Authorization: basic(TOKEN_NAME, "wrong-secret-3"), "CF-Connecting-IP": "2001:db8:1:2::1" } },
      testEnv(),
    );
    await app.request(
      "/api/staff/events",
      { headers: { Authorization: `Bearer ${TOKEN_NAME}:wrong-secret-4`, "CF-Connecting-IP": "2001:db8:1:2::1" } },
      testEnv(),
    );
    const rows = await auditRows();
    expect(rows.map(({ actor, via, action }) => ({ actor, via, action }))).toEqual([
      { actor: "alice", via: "token", action: "auth_failure" },
      { actor: "(unknown)", via: "token", action: "auth_failure" },
      { actor: "(unknown)", via: "token", action: "auth_failure" },
      { actor: "alice", via: "token", action: "auth_failure" },
      { actor: "alice", via: "token", action: "auth_failure" },
    ]);
    expect(rows.map((row) => JSON.parse(row.query))).toEqual([
      { credential: "form", ipPrefix: "203.0.113.0/24" },
      { credential: "form", ipPrefix: "203.0.113.0/24" },
      { credential: "form", ipPrefix: "203.0.113.0/24" },
      { credential: "basic", ipPrefix: "2001:db8:1::/48" },
      { credential: "bearer", ipPrefix: "2001:db8:1::/48" },
    ]);
    const everything = JSON.stringify(await env.DB.prepare("SELECT * FROM staff_audit").all());
    expect(everything).not.toMatch(/wrong-secret|no-such-person|correct-horse/);

    const page = await app.request("/staff/audit", { headers: { Authorization: basic(TOKEN_NAME, TOKEN) } }, testEnv());
    const html = await page.text();
    expect(html).toContain("Failed sign-ins in the last 24 hours");
    const panel = html.slice(html.indexOf('id="failures"'), html.indexOf("Newest first"));
    expect(panel).toMatch(/<td>alice<\/td><td>2001:db8:1::\/48<\/td><td>2<\/td>/);
    expect(panel).toMatch(/<td>\(unknown\)<\/td><td>203\.0\.113\.0\/24<\/td><td>2<\/td>/);
    expect(panel).toMatch(/<td>alice<\/td><td>203\.0\.113\.0\/24<\/td><td>1<\/td>/);
  });

  it("answers 429 with Retry-After once a name has too many failures, then lets the right token in after the window", async () => {
    const start = Date.now();
    vi.useFakeTimers({ now: start, toFake: ["Date"] });
    const statuses: number[] = [];
    // From many prefixes, so the per-name limit is what bites.
    for (let i = 0; i < MAX_FAILURES_PER_NAME + 5; i++) {
      statuses.push((await signIn({ name: TOKEN_NAME, token: `guess-${i}` }, { ip: `198.18.${i}.1` })).status);
    }
    expect(statuses.slice(0, MAX_FAILURES_PER_NAME).every((status) => status === 401)).toBe(true);
    expect(statuses.slice(MAX_FAILURES_PER_NAME).every((status) => status === 429)).toBe(true);
    // The right token is refused too while the limit holds, by form and by header: no oracle.
    const blocked = await signIn({ name: TOKEN_NAME, token: TOKEN }, { ip: "192.0.2.1" });
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get("Retry-After"))).toBeGreaterThan(FAILURE_WINDOW_MS / 1000 - 60);
    expect(blocked.headers.get("Set-Cookie")).toBeNull();
    expect(await blocked.text()).toContain("Too many failed sign-ins. Try again in");
    const api = await app.request(
      "/api/staff/events",
      { headers: { Authorization: basic(TOKEN_NAME, TOKEN) } },
      testEnv(),
    );
    expect(api.status).toBe(429);
    expect(await api.json()).toMatchObject({ error: { code: "rate_limited" } });
    expect(api.headers.get("Retry-After")).toMatch(/^\d+$/);
    // Attempts refused by the limit are not compared, so not written: only the checked ones are.
    expect((await auditRows()).length).toBe(MAX_FAILURES_PER_NAME);
    // Another staff member is not locked out.
    expect(
      (await app.request("/api/staff/events", { headers: { Authorization: basic("bob", "bobs-token") } }, testEnv()))
        .status,
    ).toBe(200);

    vi.setSystemTime(start + FAILURE_WINDOW_MS + 1000);
    expect((await signIn({ name: TOKEN_NAME, token: TOKEN }, { ip: "192.0.2.1" })).status).toBe(303);
    expect(
      (await app.request("/api/staff/events", { headers: { Authorization: basic(TOKEN_NAME, TOKEN) } }, testEnv()))
        .status,
    ).toBe(200);
  });

  it("limits one IP prefix guessing many names, and no other prefix", async () => {
    for (let i = 0; i < MAX_FAILURES_PER_IP_PREFIX; i++) {
      expect((await signIn({ name: `name-${i}`, token: "guess" }, { ip: `203.0.113.${i}` })).status).toBe(401);
    }
    expect((await signIn({ name: TOKEN_NAME, token: TOKEN }, { ip: "203.0.113.250" })).status).toBe(429);
    expect((await signIn({ name: TOKEN_NAME, token: TOKEN }, { ip: "198.51.100.7" })).status).toBe(303);
  });
});

describe("the sign-in return address", () => {
  const origin = "https://consent.example";
  it("keeps staff pages on this origin", () => {
    for (const next of ["/staff", "/staff/audit?before=5", "/staff/consents/3f1c2b9a-8d7e-4c6b-9a5f-0e1d2c3b4a59"]) {
      expect(safeNext(next, origin)).toBe(next);
    }
  });
  it("sends every hostile value to the staff home page", () => {
    for (const next of [
      "/staff/../api/staff/events.csv",
      "/staff/./../api/staff/events.csv",
      "/staff/%2e%2e/api/staff/events.csv",
      "/staff/%2E%2E/api/staff/events.csv",
      "/staff/.%2e/api/staff/events.csv",
      "/staff/..%2fapi/staff/events.csv",
      "/staff%2f..%2fapi/staff/events.csv",
      "/staff\\..\\api/staff/events.csv",
      "/staff/\t../api/staff/events.csv",
      "/staff/..",
      "//evil.example/staff",
      "/\\evil.example/staff",
      "https://evil.example/staff",
      "javascript:alert(1)",
      "/api/staff/events.csv",
      "/staff-sign-in",
      "/staffing",
      "/privacy",
      "",
      undefined,
    ]) {
      expect(safeNext(next, origin), String(next)).toBe("/staff");
    }
  });
  it("never starts a CSV export on sign-in", async () => {
    const response = await signIn({ name: TOKEN_NAME, token: TOKEN, next: "/staff/../api/staff/events.csv" });
    expect(response.headers.get("Location")).toBe("/staff");
  });
});
