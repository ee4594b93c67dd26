import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import type { ConsentReceipt } from "../../shared/api.ts";
import app from "../../worker/index.ts";
import { countEvents, errorOf, freshLog, postConsent, SITE_ORIGIN, validBody } from "./helpers.ts";

beforeEach(freshLog);

describe("POST /api/consent: valid choices", () => {
  it("stores a JSON post and answers 201 with a receipt", async () => {
    const body = validBody({ pageUrl: `${SITE_ORIGIN}/pricing?email=someone@example.com#top` });
    const response = await postConsent(body, { ip: "203.0.113.77" });
    expect(response.status).toBe(201);
    const receipt = (await response.json()) as ConsentReceipt;
    expect(receipt).toMatchObject({
      eventId: body.eventId,
      consentId: body.consentId,
      revision: body.revision,
      method: "custom",
      choices: body.choices,
    });
    expect(Date.parse(receipt.receivedAt)).toBeGreaterThan(Date.now() - 60_000);

    const row = await env.DB.prepare("SELECT * FROM consent_events WHERE event_id = ?")
      .bind(body.eventId)
      .first<Record<string, unknown>>();
    expect(row).toMatchObject({
      consent_id: body.consentId,
      method: "custom",
      analytics: 1,
      functionality: 0,
      targeting: 0,
      revision: body.revision,
      // Query and fragment may carry personal data: only origin and path are kept.
      page_url: `${SITE_ORIGIN}/pricing`,
      user_agent: "Mozilla/5.0 (X11; Linux x86_64) TestBrowser/1.0",
      // The raw address is never stored, only its /24.
      ip_prefix: "203.0.113.0/24",
      language: "en-GB",
      gpc: 0,
    });
    expect(JSON.stringify(row)).not.toContain("203.0.113.77");
  });

  it("accepts text/plain, as sendBeacon and keepalive fetches send it", async () => {
    const body = validBody({
      method: "reject_all",
      choices: { analytics: false, functionality: false, targeting: false },
    });
    const response = await postConsent(body, { contentType: "text/plain;charset=UTF-8" });
    expect(response.status).toBe(201);
  });

  it("records refusals, withdrawals and the GPC signal, not only acceptances", async () => {
    const consentId = crypto.randomUUID();
    const methods = [
      validBody({
        consentId,
        method: "accept_all",
        choices: { analytics: true, functionality: true, targeting: true },
      }),
      validBody({
        consentId,
        method: "withdraw",
        gpc: true,
        choices: { analytics: false, functionality: true, targeting: false },
      }),
    ];
    for (const body of methods) expect((await postConsent(body)).status).toBe(201);
    const { results } = await env.DB.prepare(
      "SELECT method, targeting, gpc FROM consent_events WHERE consent_id = ? ORDER BY id",
    )
      .bind(consentId)
      .all();
    expect(results).toEqual([
      { method: "accept_all", targeting: 1, gpc: 0 },
      { method: "withdraw", targeting: 0, gpc: 1 },
    ]);
  });

  it("keeps a hash of site-overridden texts when one is sent", async () => {
    const textsHash = "a".repeat(64);
    const body = validBody({ textsHash });
    expect((await postConsent(body)).status).toBe(201);
    const row = await env.DB.prepare("SELECT texts_hash FROM consent_events WHERE event_id = ?")
      .bind(body.eventId)
      .first<{ texts_hash: string }>();
    expect(row?.texts_hash).toBe(textsHash);
  });

  it("truncates the user agent to 512 characters and records the country Cloudflare reports", async () => {
    const body = validBody();
    const request = new Request("http://worker.test/api/consent", {
      method: "POST",
      headers: {
        Origin: SITE_ORIGIN,
        "Content-Type": "application/json",
        "User-Agent": "U".repeat(2000),
        "CF-Connecting-IP": "2001:db8:abcd:12::1",
      },
      body: JSON.stringify(body),
      cf: { country: "IE" },
    });
    const response = await app.fetch(request, env);
    expect(response.status).toBe(201);
    const row = await env.DB.prepare("SELECT user_agent, country, ip_prefix FROM consent_events WHERE event_id = ?")
      .bind(body.eventId)
      .first<{ user_agent: string; country: string; ip_prefix: string }>();
    expect(row?.user_agent).toHaveLength(512);
    expect(row?.country).toBe("IE");
    expect(row?.ip_prefix).toBe("2001:db8:abcd::/48");
  });

  it("stores a user agent with non-ASCII bytes exactly as the browser sent it", async () => {
    // Header bytes reach the worker one character per byte (Latin-1): this is how UTF-8 bytes arrive.
    const sent = "Mozilla/5.0 (Linux; Android 14; Téléphone Ü) Navigateur/2.0 🚀";
    const asHeader = String.fromCharCode(...new TextEncoder().encode(sent));
    // Bytes that are not UTF-8 (a Latin-1 é) are kept one character per byte, exactly.
    const latin1 = "Agent/1.0 (caf\xe9)";
    const stored: string[] = [];
    for (const header of [asHeader, latin1]) {
      const body = validBody();
      expect((await postConsent(body, { headers: { "User-Agent": header } })).status).toBe(201);
      const row = await env.DB.prepare("SELECT user_agent FROM consent_events WHERE event_id = ?")
        .bind(body.eventId)
        .first<{ user_agent: string }>();
      stored.push(row?.user_agent ?? "");
    }
    expect(stored).toEqual([sent, "Agent/1.0 (café)"]);
  });

  it("cuts a long user agent at a whole character, never half an emoji", async () => {
    const sent = `${"U".repeat(511)}🚀🚀`;
    const body = validBody();
    const header = String.fromCharCode(...new TextEncoder().encode(sent));
    expect((await postConsent(body, { headers: { "User-Agent": header } })).status).toBe(201);
    const row = await env.DB.prepare("SELECT user_agent FROM consent_events WHERE event_id = ?")
      .bind(body.eventId)
      .first<{ user_agent: string }>();
    expect(row?.user_agent).toBe("U".repeat(511));
  });

  it("records the revision text the visitor was shown, in full, with the first consent", async () => {
    const body = validBody();
    expect((await postConsent(body)).status).toBe(201);
    const revision = await env.DB.prepare("SELECT markdown, banner_texts FROM privacy_revisions WHERE revision = ?")
      .bind(body.revision)
      .first<{ markdown: string; banner_texts: string }>();
    expect(revision?.markdown).toContain("Analytical or performance cookies");
    expect(JSON.parse(revision?.banner_texts ?? "{}").messages.rejectAll).toBe("Reject all");
  });
});

describe("POST /api/consent: repeats are idempotent", () => {
  it("answers a repeated event with 200 and the original receipt, writing nothing", async () => {
    const body = validBody();
    const first = await postConsent(body);
    expect(first.status).toBe(201);
    const original = await first.json();
    const before = await countEvents();

    const repeat = await postConsent(body);
    expect(repeat.status).toBe(200);
    expect(await repeat.json()).toEqual(original);
    expect(await countEvents()).toBe(before);
  });

  it("refuses an event id reused for a different choice with 409", async () => {
    const body = validBody();
    expect((await postConsent(body)).status).toBe(201);
    const before = await countEvents();
    const response = await postConsent({
      ...body,
      choices: { analytics: false, functionality: true, targeting: true },
    });
    expect(response.status).toBe(409);
    expect(await errorOf(response)).toMatchObject({ code: "event_conflict", field: "eventId" });
    expect(await countEvents()).toBe(before);
  });
});

describe("POST /api/consent: invalid bodies get a 4xx naming the problem and write nothing", () => {
  const cases: [string, Record<string, unknown>, string][] = [
    ["eventId not a UUID", { eventId: "not-a-uuid" }, "eventId"],
    ["consentId not v4", { consentId: "6ba7b810-9dad-11d1-80b4-00c04fd430c8" }, "consentId"],
    ["method unknown", { method: "maybe" }, "method"],
    ["choices missing a category", { choices: { analytics: true, functionality: true } }, "choices.targeting"],
    [
      "choices with a fourth category",
      { choices: { analytics: true, functionality: true, targeting: true, social: true } },
      "choices.social",
    ],
    [
      "choice not boolean",
      { choices: { analytics: "yes", functionality: false, targeting: false } },
      "choices.analytics",
    ],
    ["revision malformed", { revision: "v1" }, "revision"],
    ["pageUrl not a URL", { pageUrl: "pricing" }, "pageUrl"],
    ["pageUrl not http", { pageUrl: "javascript:alert(1)" }, "pageUrl"],
    ["pageUrl too long", { pageUrl: `${SITE_ORIGIN}/${"a".repeat(2100)}` }, "pageUrl"],
    ["language not BCP 47", { language: "<script>" }, "language"],
    ["gpc not boolean", { gpc: "1" }, "gpc"],
    ["widgetVersion malformed", { widgetVersion: "1.0 beta" }, "widgetVersion"],
    ["textsHash malformed", { textsHash: "abc" }, "textsHash"],
    ["unknown key", { ip: "1.2.3.4" }, "ip"],
    [
      "accept_all with a category off",
      { method: "accept_all", choices: { analytics: true, functionality: false, targeting: true } },
      "choices",
    ],
    [
      "reject_all with a category on",
      { method: "reject_all", choices: { analytics: false, functionality: false, targeting: true } },
      "choices",
    ],
    [
      "withdraw granting every category",
      { method: "withdraw", choices: { analytics: true, functionality: true, targeting: true } },
      "choices",
    ],
    ["pageUrl on another origin than the post's", { pageUrl: "https://elsewhere.example/pricing" }, "pageUrl"],
    ["pageUrl on another port of the same host", { pageUrl: "http://127.0.0.1:9999/pricing" }, "pageUrl"],
  ];

  it.each(cases)("%s → 400", async (_name, patch, field) => {
    const response = await postConsent({ ...validBody(), ...patch });
    expect(response.status).toBe(400);
    const error = await errorOf(response);
    expect(error.code).toBe("invalid_body");
    expect(error.field).toBe(field);
    expect(error.message.length).toBeGreaterThan(5);
    expect(await countEvents()).toBe(0);
  });

  it("says why a withdrawal granting everything and a page of another site are refused", async () => {
    const withdraw = await postConsent(
      validBody({ method: "withdraw", choices: { analytics: true, functionality: true, targeting: true } }),
    );
    expect((await errorOf(withdraw)).message).toMatch(/withdraw.*turn off|turn off.*withdraw/);
    const elsewhere = await postConsent(validBody({ pageUrl: "https://elsewhere.example/" }));
    expect((await errorOf(elsewhere)).message).toContain(SITE_ORIGIN);
  });

  it("a missing field → 400 naming it", async () => {
    const { consentId: _dropped, ...body } = validBody();
    const response = await postConsent(body);
    expect(response.status).toBe(400);
    expect(await errorOf(response)).toMatchObject({ code: "invalid_body", field: "consentId" });
  });

  it.each([
    ["not JSON", "{eventId:"],
    ["empty", ""],
  ])("a body that is %s → 400 invalid_json", async (_name, raw) => {
    const response = await postConsent(raw);
    expect(response.status).toBe(400);
    expect((await errorOf(response)).code).toBe("invalid_json");
  });

  it.each([
    ["an array", []],
    ["a string", "consent"],
    ["null", null],
  ])("a JSON body that is %s → 400 invalid_body", async (_name, value) => {
    const response = await postConsent(JSON.stringify(value));
    expect(response.status).toBe(400);
    expect((await errorOf(response)).code).toBe("invalid_body");
  });

  it("another content type → 415", async () => {
    const response = await postConsent(validBody(), { contentType: "application/x-www-form-urlencoded" });
    expect(response.status).toBe(415);
    expect(await errorOf(response)).toMatchObject({ code: "unsupported_media_type", field: "Content-Type" });
  });

  it("a revision the worker never published → 422", async () => {
    const response = await postConsent(validBody({ revision: "0123456789abcdef" }));
    expect(response.status).toBe(422);
    expect(await errorOf(response)).toMatchObject({ code: "unknown_revision", field: "revision" });
    expect(await countEvents()).toBe(0);
  });
});

describe("POST /api/consent: body size cap", () => {
  it("refuses a declared length over 8 KiB with 413", async () => {
    const big = JSON.stringify({ ...validBody(), padding: "x".repeat(9000) });
    const response = await postConsent(big);
    expect(response.status).toBe(413);
    expect((await errorOf(response)).code).toBe("payload_too_large");
  });

  it("refuses a chunked body without a length once it passes 8 KiB", async () => {
    const chunk = new TextEncoder().encode(`{"pad":"${"x".repeat(1000)}`);
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        sent += 1;
        if (sent > 12) controller.close();
        else controller.enqueue(chunk);
      },
    });
    const response = await app.request(
      "/api/consent",
      {
        method: "POST",
        headers: { Origin: SITE_ORIGIN, "Content-Type": "application/json", "CF-Connecting-IP": "10.200.0.1" },
        body: stream,
        duplex: "half",
      } as RequestInit,
      env,
    );
    expect(response.status).toBe(413);
    expect(await countEvents()).toBe(0);
  });
});

describe("POST /api/consent: origins", () => {
  it("refuses a foreign Origin with a 403 the site can read, naming the setting, and writes no event", async () => {
    const response = await postConsent(validBody(), { origin: "https://evil.example" });
    expect(response.status).toBe(403);
    const error = await errorOf(response);
    expect(error).toMatchObject({ code: "forbidden_origin", field: "Origin" });
    expect(error.message).toContain("https://evil.example");
    expect(error.message).toContain("ALLOWED_ORIGINS");
    // Readable by the refused page's widget: a configuration error, not a network error.
    expect(response.headers.get("Access-Control-Allow-Origin")).toBe("*");
    expect(await countEvents()).toBe(0);
  });

  it("refuses a missing Origin with 403", async () => {
    const response = await postConsent(validBody(), { origin: null });
    expect(response.status).toBe(403);
    expect(await countEvents()).toBe(0);
  });

  it("answers the preflight of an allowed origin with that exact origin", async () => {
    const response = await app.request(
      "/api/consent",
      {
        method: "OPTIONS",
        headers: {
          Origin: "http://localhost:8787",
          "Access-Control-Request-Method": "POST",
          "Access-Control-Request-Headers": "content-type",
        },
      },
      env,
    );
    expect(response.status).toBe(204);
    expect(response.headers.get("Access-Control-Allow-Origin")).toBe("http://localhost:8787");
    expect(response.headers.get("Access-Control-Allow-Methods")).toContain("POST");
    expect(response.headers.get("Vary")).toContain("Origin");
  });

  it("gives a foreign origin's preflight no CORS headers", async () => {
    const response = await app.request(
      "/api/consent",
      { method: "OPTIONS", headers: { Origin: "https://evil.example", "Access-Control-Request-Method": "POST" } },
      env,
    );
    expect(response.headers.get("Access-Control-Allow-Origin")).toBeNull();
  });

  it("follows the ALLOWED_ORIGINS setting", async () => {
    const site = "https://www.opencontact.co.uk";
    const configured = { ...env, ALLOWED_ORIGINS: `${site}, https://opencontact.co.uk` };
    const onSite = validBody({ pageUrl: `${site}/pricing` });
    expect((await postConsent(onSite, { origin: site, testEnv: configured })).status).toBe(201);
    expect((await postConsent(validBody(), { testEnv: configured })).status).toBe(403);
  });
});

describe("POST /api/consent: abuse damping", () => {
  it("answers 429 with Retry-After once one client prefix passes the limit, and stores nothing for it", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 70; i++) {
      // Different hosts of one /24 share one bucket: the key is the prefix, never the raw IP.
      statuses.push((await postConsent(validBody(), { ip: `198.51.100.${i}` })).status);
    }
    expect(statuses.filter((status) => status === 201)).toHaveLength(60);
    expect(statuses.slice(60).every((status) => status === 429)).toBe(true);
    expect(await countEvents()).toBe(60);
    const limited = await postConsent(validBody(), { ip: "198.51.100.200" });
    expect(limited.status).toBe(429);
    expect(limited.headers.get("Retry-After")).toBe("60");
    expect((await errorOf(limited)).code).toBe("rate_limited");
  });
});
