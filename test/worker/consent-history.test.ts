import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import type { ConsentHistory } from "../../shared/api.ts";
import app from "../../worker/index.ts";
import { errorOf, freshLog, postConsent, validBody } from "./helpers.ts";

beforeEach(freshLog);

describe("GET /api/consent/:consentId", () => {
  it("returns the visitor's own events, newest first, without IP prefix or user agent", async () => {
    const consentId = crypto.randomUUID();
    const first = validBody({
      consentId,
      method: "accept_all",
      choices: { analytics: true, functionality: true, targeting: true },
    });
    const second = validBody({
      consentId,
      method: "withdraw",
      choices: { analytics: false, functionality: true, targeting: false },
    });
    expect((await postConsent(first)).status).toBe(201);
    expect((await postConsent(second)).status).toBe(201);
    expect((await postConsent(validBody())).status).toBe(201);

    const response = await app.request(`/api/consent/${consentId}`, {}, env);
    expect(response.status).toBe(200);
    expect(response.headers.get("Cache-Control")).toBe("private, no-store");
    const history = (await response.json()) as ConsentHistory;
    expect(history.consentId).toBe(consentId);
    expect(history.events.map((event) => event.eventId)).toEqual([second.eventId, first.eventId]);
    expect(history.events[0]).toMatchObject({ method: "withdraw", choices: second.choices, pageUrl: second.pageUrl });
    const text = JSON.stringify(history);
    expect(text).not.toMatch(/ipPrefix|userAgent|10\.\d+\.\d+\.0/);
  });

  it("finds an id whatever its letter case", async () => {
    const body = validBody();
    await postConsent(body);
    const response = await app.request(`/api/consent/${body.consentId.toUpperCase()}`, {}, env);
    expect(response.status).toBe(200);
  });

  it("answers 400 for a malformed id", async () => {
    const response = await app.request("/api/consent/12345", {}, env);
    expect(response.status).toBe(400);
    expect(await errorOf(response)).toMatchObject({ code: "bad_request", field: "consentId" });
  });

  it("answers 404 for an id nobody used", async () => {
    const response = await app.request(`/api/consent/${crypto.randomUUID()}`, {}, env);
    expect(response.status).toBe(404);
    expect((await errorOf(response)).code).toBe("not_found");
  });
});

describe("unknown API routes", () => {
  it("answer a JSON 404 naming the route", async () => {
    const response = await app.request("/api/nothing-here", {}, env);
    expect(response.status).toBe(404);
    expect(response.headers.get("Content-Type")).toContain("application/json");
    expect(await errorOf(response)).toMatchObject({ code: "not_found" });
  });

  it("answer a wrong method on a consent route with a JSON 405 naming the allowed ones", async () => {
    const response = await app.request("/api/consent", { method: "DELETE" }, env);
    expect(response.status).toBe(405);
    expect(response.headers.get("Allow")).toBe("POST, OPTIONS");
    expect((await errorOf(response)).code).toBe("method_not_allowed");
    const history = await app.request(`/api/consent/${crypto.randomUUID()}`, { method: "PUT" }, env);
    expect(history.status).toBe(405);
    expect(history.headers.get("Allow")).toBe("GET, OPTIONS");
  });
});
