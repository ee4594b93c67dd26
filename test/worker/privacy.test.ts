import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { REVISION } from "../../shared/generated/build-info.ts";
import { STATEMENT } from "../../worker/generated/privacy-statement.ts";
import app from "../../worker/index.ts";
import { errorOf, freshLog, seedRevision } from "./helpers.ts";

beforeEach(freshLog);

const get = (path: string, headers: Record<string, string> = {}) => app.request(path, { headers }, env);

describe("GET /privacy", () => {
  it("serves the company's statement as an accessible page with its revision and date", async () => {
    const response = await get("/privacy");
    expect(response.status).toBe(200);
    expect(response.headers.get("Content-Type")).toContain("text/html");
    const html = await response.text();
    expect(html).toMatch(/^<!doctype html><html lang="en-GB">/);
    expect(html).toContain('<meta name="viewport" content="width=device-width, initial-scale=1"/>');
    expect(html).toContain("<h1>Privacy Statement</h1>");
    expect(html).toContain("OpenContact Services Limited (OpenContact) collects");
    expect(html).toContain('<a href="mailto:info@opencontact.co.uk">info@opencontact.co.uk</a>');
    expect(html).toContain("<li>Analytical or performance cookies: they allow us to recognise");
    expect(html).toContain(`<code>${REVISION}</code>`);
    expect(html).toContain('<a href="/cookies">the cookie declaration</a>');
    expect(html).toMatch(/in force since <time datetime="\d{4}-\d\d-\d\dT[^"]+">\d{1,2} \w+ \d{4}<\/time>/);
  });

  it("keeps headings in order: one h1, then h2 sections with h3 inside", async () => {
    const html = await (await get("/privacy")).text();
    const levels = [...html.matchAll(/<h([1-6])>/g)].map((match) => Number(match[1]));
    expect(levels[0]).toBe(1);
    expect(levels.filter((level) => level === 1)).toHaveLength(1);
    for (let i = 1; i < levels.length; i++) expect((levels[i] ?? 0) - (levels[i - 1] ?? 0)).toBeLessThanOrEqual(1);
  });

  it("sends security headers with a CSP that allows no script", async () => {
    const response = await get("/privacy");
    const csp = response.headers.get("Content-Security-Policy") ?? "";
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("style-src 'self'");
    expect(csp).not.toContain("script-src");
    expect(response.headers.get("X-Content-Type-Options")).toBe("nosniff");
    expect(response.headers.get("Referrer-Policy")).toBe("strict-origin-when-cross-origin");
  });

  it("uses the revision as ETag and answers If-None-Match with 304", async () => {
    const response = await get("/privacy");
    const etag = response.headers.get("ETag");
    expect(etag).toBe(`"${REVISION}"`);
    expect(response.headers.get("Cache-Control")).toMatch(/max-age=\d+/);
    const again = await get("/privacy", { "If-None-Match": `W/"other", ${etag}` });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe("");
    expect((await get("/privacy", { "If-None-Match": '"0000000000000000"' })).status).toBe(200);
  });

  it("records the revision it serves, so a consent can later be shown beside it", async () => {
    await get("/privacy");
    const row = await env.DB.prepare("SELECT revision, title, text FROM privacy_revisions").first<{
      revision: string;
      title: string;
      text: string;
    }>();
    expect(row?.revision).toBe(REVISION);
    expect(row?.text).toContain("We have 28 days in which to provide the information you request.");
  });

  it("still serves the statement when D1 is down, only without its date", async () => {
    const broken = {
      ...env,
      DB: { prepare: () => ({ bind: () => ({ first: () => Promise.reject(new Error("down")) }) }) },
    };
    const response = await app.request("/privacy", {}, broken as unknown as Env);
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toContain("<h1>Privacy Statement</h1>");
    expect(html).not.toContain("in force since");
  });
});

describe("GET /privacy.json", () => {
  it("returns revision, title, html and text", async () => {
    const response = await get("/privacy.json");
    expect(response.status).toBe(200);
    expect(response.headers.get("Access-Control-Allow-Origin")).toBe("*");
    expect(response.headers.get("ETag")).toBe(`"${REVISION}"`);
    const body = (await response.json()) as Record<string, string>;
    expect(body.revision).toBe(REVISION);
    expect(body.title).toBe("Privacy Statement");
    expect(body.html).toContain("<h2>Use of Cookies</h2>");
    expect(body.text).toContain("Use of Cookies\nWe may use any of the following cookies on our website:");
    expect(body.text).not.toContain("<");
    expect((await get("/privacy.json", { "If-None-Match": `"${REVISION}"` })).status).toBe(304);
  });
});

describe("GET /privacy/:revision", () => {
  it("serves an earlier revision from the log, immutably cached", async () => {
    await seedRevision("0123456789abcdef");
    const response = await get("/privacy/0123456789abcdef");
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toContain("<p>Old words.</p>");
    expect(html).toContain("Earlier revision");
    expect(html).toContain("31 January 2025");
    expect(html).toContain('<a href="/privacy">Read the current statement</a>');
    // Recorded before declarations were kept with revisions: nothing to link to.
    expect(html).not.toContain("/cookies");
    expect(response.headers.get("Cache-Control")).toContain("immutable");
    expect((await get("/privacy/0123456789abcdef", { "If-None-Match": '"0123456789abcdef"' })).status).toBe(304);
  });

  it("serves the current revision under its own id too", async () => {
    const response = await get(`/privacy/${REVISION}`);
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toContain("Current revision");
    expect(html).toContain('<a href="/cookies">the cookie declaration</a>');
  });

  it("links an earlier revision to the cookie declaration it was served with", async () => {
    await env.DB.prepare(
      `INSERT INTO privacy_revisions (revision, sha256, title, markdown, html, text, banner_texts, declaration, first_served_at)
       VALUES ('00112233aabbccdd', ?, 'Privacy Statement', '# Privacy Statement', '<h1>Privacy Statement</h1>', '', '{}', ?, '2025-06-01T09:00:00.000Z')`,
    )
      .bind("0".repeat(64), STATEMENT.declaration)
      .run();
    const html = await (await get("/privacy/00112233aabbccdd")).text();
    expect(html).toContain('<a href="/cookies/00112233aabbccdd">the cookie declaration</a>');
  });

  it("answers 404 for an unknown revision and 400 for a malformed one", async () => {
    const unknown = await get("/privacy/fedcba9876543210");
    expect(unknown.status).toBe(404);
    expect((await errorOf(unknown)).code).toBe("not_found");
    const malformed = await get("/privacy/latest");
    expect(malformed.status).toBe(400);
    expect((await errorOf(malformed)).field).toBe("revision");
  });
});
