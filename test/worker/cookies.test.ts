import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import declarationFile from "../../content/cookies.json";
import { REVISION } from "../../shared/generated/build-info.ts";
import { revisionSource, sha256Hex } from "../../shared/revision.ts";
import { STATEMENT } from "../../worker/generated/privacy-statement.ts";
import app from "../../worker/index.ts";
import { errorOf, freshLog, newEvent, postConsent, seed, seedRevision, validBody } from "./helpers.ts";
import { staffRequest } from "./staff-helpers.ts";

beforeEach(freshLog);

const get = (path: string, headers: Record<string, string> = {}) => app.request(path, { headers }, env);

const OLD_REVISION = "0123456789abcdef";
const OLD_DECLARATION = {
  categories: {
    necessary: { services: [] },
    analytics: {
      services: [
        {
          name: "Old Counter",
          provider: "Counter & Sons Ltd",
          privacyUrl: "https://counter.example/privacy",
          items: [
            {
              name: "oc_visits",
              kind: "sessionStorage",
              party: "first",
              purpose: "Counted <b>visits</b>.",
              duration: "session",
            },
          ],
        },
      ],
    },
    functionality: { services: [] },
    targeting: { services: [] },
  },
};

/** An earlier revision that was served with a declaration. */
async function seedDeclaredRevision(): Promise<void> {
  await env.DB.prepare(
    `INSERT INTO privacy_revisions (revision, sha256, title, markdown, html, text, banner_texts, declaration, first_served_at)
     VALUES (?, ?, 'Privacy Statement', '# Privacy Statement', '<h1>Privacy Statement</h1>', 'Old words.', '{}', ?, '2025-01-31T09:00:00.000Z')`,
  )
    .bind(OLD_REVISION, "0".repeat(64), JSON.stringify(OLD_DECLARATION))
    .run();
}

describe("GET /cookies", () => {
  it("lists every category, service and item of the declaration in force, with its revision and date", async () => {
    const response = await get("/cookies");
    expect(response.status).toBe(200);
    expect(response.headers.get("Content-Type")).toContain("text/html");
    const html = await response.text();
    expect(html).toMatch(/^<!doctype html><html lang="en-GB">/);
    expect(html).toContain('<meta name="viewport" content="width=device-width, initial-scale=1"/>');
    expect(html).toContain("<h1>Cookie declaration</h1>");
    expect([...html.matchAll(/<h2 id="(\w+)">/g)].map((match) => match[1])).toEqual([
      "necessary",
      "analytics",
      "functionality",
      "targeting",
    ]);
    expect(html).toContain('<h2 id="analytics">Analytical or performance cookies</h2>');
    expect(html).toContain("<h3>OpenContact Consent</h3>");
    expect(html).toContain(
      "<li><code>opencontact_consent</code>: cookie, first party; duration: until the choice expires (6 months). Remembers your cookie choices",
    );
    expect(html).toContain(
      "<li><code>opencontact-consent:outbox</code>: local storage, first party; duration: until the log confirms",
    );
    expect(html).toContain("<li><code>_ga_*</code>: cookie, first party; duration: 2 years. ");
    expect(html).toContain("<li><code>demo_prefs</code>: cookie, first party; duration: 1 year. ");
    expect(html).toContain("<li><code>fr</code>: cookie, third party (facebook.com); duration: 90 days. ");
    expect(html).toContain(
      'Provided by Meta Platforms Ireland Limited: <a href="https://www.facebook.com/privacy/policy/">',
    );
    expect(html).toContain("It connects to connect.facebook.net, www.facebook.com.");
    expect(html).toContain("<h3>Map to our office</h3>");
    expect(html).toContain("It sets no cookies or other storage.");
    expect(html).toContain('<a href="/privacy">our privacy statement</a>');
    expect(html).toContain(`Current revision <code>${REVISION}</code>`);
    expect(html).toMatch(/in force since <time datetime="\d{4}-\d\d-\d\dT[^"]+">\d{1,2} \w+ \d{4}<\/time>/);
    // Every item of the file is on the page.
    for (const category of Object.values(declarationFile.categories)) {
      for (const service of category.services) {
        for (const item of service.items) expect(html).toContain(`<code>${item.name}</code>`);
      }
    }
  });

  it("keeps headings in order: one h1, then h2 categories with h3 services", async () => {
    const html = await (await get("/cookies")).text();
    const levels = [...html.matchAll(/<h([1-6])[ >]/g)].map((match) => Number(match[1]));
    expect(levels[0]).toBe(1);
    expect(levels.filter((level) => level === 1)).toHaveLength(1);
    for (let i = 1; i < levels.length; i++) expect((levels[i] ?? 0) - (levels[i - 1] ?? 0)).toBeLessThanOrEqual(1);
  });

  it("sends the site's strict CSP, and uses the revision as ETag with 304", async () => {
    const response = await get("/cookies");
    const csp = response.headers.get("Content-Security-Policy") ?? "";
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("style-src 'self'");
    expect(csp).not.toContain("script-src");
    expect(response.headers.get("X-Content-Type-Options")).toBe("nosniff");
    expect(response.headers.get("ETag")).toBe(`"${REVISION}"`);
    expect(response.headers.get("Cache-Control")).toBe("public, max-age=300, must-revalidate");
    const again = await get("/cookies", { "If-None-Match": `W/"other", "${REVISION}"` });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe("");
    expect((await get("/cookies", { "If-None-Match": '"0000000000000000"' })).status).toBe(200);
  });

  it("records the revision with its declaration, whose canonical JSON hashes to the revision id", async () => {
    await get("/cookies");
    const row = await env.DB.prepare(
      "SELECT revision, sha256, markdown, banner_texts, declaration FROM privacy_revisions",
    ).first<{ revision: string; sha256: string; markdown: string; banner_texts: string; declaration: string }>();
    expect(row?.revision).toBe(REVISION);
    expect(row?.declaration).toBe(STATEMENT.declaration);
    expect(JSON.parse(row?.declaration ?? "")).toEqual(declarationFile);
    // Anyone holding the row can prove which declaration a consent under this revision was given with.
    const { messages } = JSON.parse(row?.banner_texts ?? "{}");
    const sha256 = await sha256Hex(revisionSource(row?.markdown ?? "", messages, row?.declaration ?? null));
    expect(sha256).toBe(row?.sha256);
    expect(sha256.slice(0, 16)).toBe(REVISION);
  });

  it("a consent posted first records the declaration too", async () => {
    expect((await postConsent(validBody())).status).toBe(201);
    const row = await env.DB.prepare("SELECT declaration FROM privacy_revisions WHERE revision = ?")
      .bind(REVISION)
      .first<{ declaration: string }>();
    expect(row?.declaration).toBe(STATEMENT.declaration);
  });

  it("still serves the declaration when D1 is down, only without its date", async () => {
    const broken = {
      ...env,
      DB: { prepare: () => ({ bind: () => ({ first: () => Promise.reject(new Error("down")) }) }) },
    };
    const response = await app.request("/cookies", {}, broken as unknown as Env);
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toContain("<code>opencontact_consent</code>");
    expect(html).not.toContain("in force since");
  });
});

describe("GET /cookies.json", () => {
  it("returns the declaration in force with its revision, readable from any site, with 304", async () => {
    const response = await get("/cookies.json");
    expect(response.status).toBe(200);
    expect(response.headers.get("Content-Type")).toContain("application/json");
    expect(response.headers.get("Access-Control-Allow-Origin")).toBe("*");
    expect(response.headers.get("ETag")).toBe(`"${REVISION}"`);
    const body = (await response.json()) as { revision: string; since: string; declaration: unknown };
    expect(body.revision).toBe(REVISION);
    expect(body.since).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(body.declaration).toEqual(declarationFile);
    expect((await get("/cookies.json", { "If-None-Match": `"${REVISION}"` })).status).toBe(304);
  });
});

describe("GET /cookies/:revision", () => {
  it("serves an earlier revision's declaration from the log, escaped and immutably cached", async () => {
    await seedDeclaredRevision();
    const response = await get(`/cookies/${OLD_REVISION}`);
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toContain(`Earlier revision <code>${OLD_REVISION}</code>, in force since`);
    expect(html).toContain("31 January 2025");
    expect(html).toContain('<a href="/cookies">Read the current declaration</a>');
    expect(html).toContain(`<a href="/privacy/${OLD_REVISION}">our privacy statement</a>`);
    expect(html).toContain("<h3>Old Counter</h3>");
    expect(html).toContain("Provided by Counter &amp; Sons Ltd");
    expect(html).toContain(
      "<li><code>oc_visits</code>: session storage, first party; duration: session. Counted &lt;b&gt;visits&lt;/b&gt;.</li>",
    );
    expect(html).not.toContain("opencontact_consent");
    expect(html.match(/None on this site\./g)).toHaveLength(3);
    expect(response.headers.get("Cache-Control")).toBe("public, max-age=31536000, immutable");
    expect(response.headers.get("ETag")).toBe(`"${OLD_REVISION}"`);
    expect((await get(`/cookies/${OLD_REVISION}`, { "If-None-Match": `"${OLD_REVISION}"` })).status).toBe(304);
  });

  it("answers a revision from before declarations with a 404 page pointing to its statement", async () => {
    await seedRevision("fedcba9876543210");
    const response = await get("/cookies/fedcba9876543210");
    expect(response.status).toBe(404);
    expect(response.headers.get("Content-Type")).toContain("text/html");
    const html = await response.text();
    expect(html).toMatch(/^<!doctype html><html lang="en-GB">/);
    expect(html).toContain("<h1>No cookie declaration for this revision</h1>");
    expect(html).toContain('<a href="/privacy/fedcba9876543210">the privacy statement of that revision</a>');
    expect(html).toContain('<a href="/cookies">the current cookie declaration</a>');
  });

  it("serves the current revision under its own id too", async () => {
    const response = await get(`/cookies/${REVISION}`);
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toContain("Current revision");
    expect(html).toContain("<code>opencontact_consent</code>");
  });

  it("404s an unknown revision and 400s a malformed one, with the JSON envelope", async () => {
    const missing = await get("/cookies/ffffffffffffffff");
    expect(missing.status).toBe(404);
    expect(await errorOf(missing)).toEqual({
      code: "not_found",
      message: "no privacy revision ffffffffffffffff",
      field: "revision",
    });
    const malformed = await get("/cookies/not-a-revision");
    expect(malformed.status).toBe(400);
    expect((await errorOf(malformed)).field).toBe("revision");
  });
});

describe("the staff record", () => {
  it("gives the declaration in force for the event's revision, or says there was none", async () => {
    await seedRevision("fedcba9876543210");
    await seed([newEvent(), newEvent({ revision: "fedcba9876543210" })]);
    const { results } = await env.DB.prepare("SELECT id, revision FROM consent_events ORDER BY id").all<{
      id: number;
      revision: string;
    }>();
    const [current, old] = results;

    const record = (await (await staffRequest(`/api/staff/events/${current?.id}`)).json()) as Record<string, unknown>;
    expect(record.cookieDeclarationUrl).toBe(`/cookies/${REVISION}`);
    const oldRecord = (await (await staffRequest(`/api/staff/events/${old?.id}`)).json()) as Record<string, unknown>;
    expect(oldRecord.cookieDeclarationUrl).toBeNull();

    const page = await (await staffRequest(`/staff/events/${current?.id}`)).text();
    expect(page).toContain(
      `<dt>Cookie declaration in force</dt><dd><a href="/cookies/${REVISION}">Declaration of revision <code>${REVISION}</code></a></dd>`,
    );
  });
});
