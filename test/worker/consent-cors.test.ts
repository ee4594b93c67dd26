/**
 * Every error answer of the consent API is readable by the page that posted
 * (CORS), or the browser hands the widget an opaque network error and it
 * cannot tell a configuration error from being offline.
 */
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import app from "../../worker/index.ts";
import { errorOf, freshLog, postConsent, SITE_ORIGIN, validBody } from "./helpers.ts";

beforeEach(freshLog);

const FOREIGN = "https://www.shop.example";

/** A D1 whose write batch fails, as when D1 is overloaded. */
function d1FailingOnWrite(): D1Database {
  return new Proxy(env.DB, {
    get(target, property, receiver) {
      if (property === "batch") return () => Promise.reject(new Error("D1_ERROR: Network connection lost."));
      const value = Reflect.get(target, property, receiver);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

function request(method: string, path: string, origin = SITE_ORIGIN): Promise<Response> {
  return Promise.resolve(app.request(path, { method, headers: { Origin: origin } }, env));
}

const errorAnswers: [number, string, () => Promise<Response>][] = [
  [400, "an invalid body", () => postConsent({ ...validBody(), method: "maybe" })],
  [403, "a refused origin", () => postConsent(validBody(), { origin: FOREIGN })],
  [405, "a wrong method", () => request("PUT", "/api/consent")],
  [
    409,
    "a reused event id",
    async () => {
      const body = validBody();
      await postConsent(body);
      return postConsent({ ...body, method: "reject_all", choices: { ...body.choices, analytics: false } });
    },
  ],
  [413, "a body over the cap", () => postConsent(JSON.stringify({ pad: "x".repeat(9000) }))],
  [415, "a wrong content type", () => postConsent(validBody(), { contentType: "application/xml" })],
  [422, "an unknown revision", () => postConsent(validBody({ revision: "0123456789abcdef" }))],
  [
    429,
    "a client over the rate limit",
    async () => {
      const ip = "192.0.2.10";
      let response = await postConsent(validBody(), { ip });
      for (let i = 0; i < 70 && response.status !== 429; i++) response = await postConsent(validBody(), { ip });
      return response;
    },
  ],
  [503, "D1 failing", () => postConsent(validBody(), { testEnv: { ...env, DB: d1FailingOnWrite() } })],
  [404, "an unknown consent id", () => request("GET", `/api/consent/${crypto.randomUUID()}`)],
  [404, "an unknown path under the API", () => request("GET", "/api/consent/a/b")],
];

describe("consent API error answers carry CORS headers", () => {
  it.each(errorAnswers)("%i for %s is readable cross-origin", async (status, _what, send) => {
    const response = await send();
    expect(response.status).toBe(status);
    const allowOrigin = response.headers.get("Access-Control-Allow-Origin");
    expect(allowOrigin === "*" || allowOrigin === SITE_ORIGIN || allowOrigin === FOREIGN).toBe(true);
    expect(response.headers.get("Access-Control-Expose-Headers")).toContain("Retry-After");
    expect((await errorOf(response)).code).toMatch(/^[a-z_]+$/);
  });

  it("a refused origin's error is readable by that origin", async () => {
    const response = await postConsent(validBody({ pageUrl: `${FOREIGN}/` }), { origin: FOREIGN });
    expect(response.status).toBe(403);
    expect(response.headers.get("Access-Control-Allow-Origin")).toBe("*");
  });

  it("a success is readable only by an allowed origin, as before", async () => {
    const response = await postConsent(validBody());
    expect(response.status).toBe(201);
    expect(response.headers.get("Access-Control-Allow-Origin")).toBe(SITE_ORIGIN);
  });

  it("a request without Origin (curl, a server) gets no CORS headers", async () => {
    const response = await postConsent(validBody(), { origin: null });
    expect(response.status).toBe(403);
    expect(response.headers.get("Access-Control-Allow-Origin")).toBeNull();
  });

  it("keeps a refused origin's preflight without allow headers", async () => {
    const response = await app.request(
      "/api/consent",
      { method: "OPTIONS", headers: { Origin: FOREIGN, "Access-Control-Request-Method": "POST" } },
      env,
    );
    expect(response.headers.get("Access-Control-Allow-Origin")).toBeNull();
  });
});
