/**
 * The worker tests' fixtures, in one place: a valid body and a POST with the
 * headers a browser on an allowed site sends, a distinct client IP per
 * request, an event as stored in the log (seeded straight into D1), an
 * earlier privacy-statement revision, and the log's row count.
 */
import { applyD1Migrations, reset } from "cloudflare:test";
import { env } from "cloudflare:workers";
import type { ConsentEvent } from "../../shared/consent-schema.ts";
import { REVISION, WIDGET_VERSION } from "../../shared/generated/build-info.ts";
import { insertEventStatement, type NewConsentEvent } from "../../worker/db/consent-events.ts";
import app from "../../worker/index.ts";
import { recordCurrentRevision } from "../../worker/lib/current-revision.ts";

export const SITE_ORIGIN = "http://127.0.0.1:8787";
export const TEST_USER_AGENT = "Mozilla/5.0 (X11; Linux x86_64) TestBrowser/1.0";

export function validBody(overrides: Partial<ConsentEvent> = {}): ConsentEvent {
  return {
    eventId: crypto.randomUUID(),
    consentId: crypto.randomUUID(),
    method: "custom",
    choices: { analytics: true, functionality: false, targeting: false },
    revision: REVISION,
    pageUrl: `${SITE_ORIGIN}/pricing`,
    language: "en-GB",
    gpc: false,
    widgetVersion: WIDGET_VERSION,
    ...overrides,
  };
}

let clientCounter = 0;

/** A distinct client /24 per call, so the rate limiter only bites where a test wants it to. */
export function nextClientIp(): string {
  clientCounter += 1;
  return `10.${(clientCounter >> 8) & 255}.${clientCounter & 255}.7`;
}

export interface PostOptions {
  origin?: string | null;
  contentType?: string;
  ip?: string;
  headers?: Record<string, string>;
  testEnv?: Env;
}

export function postConsent(body: unknown, options: PostOptions = {}): Promise<Response> {
  const headers: Record<string, string> = {
    "Content-Type": options.contentType ?? "application/json",
    "CF-Connecting-IP": options.ip ?? nextClientIp(),
    "User-Agent": TEST_USER_AGENT,
    ...options.headers,
  };
  const origin = options.origin === undefined ? SITE_ORIGIN : options.origin;
  if (origin !== null) headers.Origin = origin;
  return Promise.resolve(
    app.request(
      "/api/consent",
      { method: "POST", headers, body: typeof body === "string" ? body : JSON.stringify(body) },
      options.testEnv ?? env,
    ),
  );
}

let eventCounter = 0;

/** An event as the log stores it: a valid body plus what the worker adds on receipt. */
export function newEvent(overrides: Partial<NewConsentEvent> = {}): NewConsentEvent {
  eventCounter += 1;
  const { textsHash: _defaultTexts, ...posted } = validBody();
  return {
    ...posted,
    pageUrl: "https://www.opencontact.co.uk/pricing",
    receivedAt: new Date(Date.UTC(2026, 10, 1, 12, 0, eventCounter % 60)).toISOString(),
    textsHash: null,
    // Not recorded, as for every event logged before issue 13 and every post of an older widget.
    source: null,
    trusted: null,
    privacyUrl: null,
    // Not recorded, as for every event logged before issue 14 (an older widget still gets a region).
    region: null,
    ruleSet: null,
    basis: null,
    claimedRuleSet: null,
    userAgent: TEST_USER_AGENT,
    ipPrefix: "203.0.113.0/24",
    country: "GB",
    ...overrides,
  };
}

/** Inserts events (and the current revision they refer to) straight into the log. */
export async function seed(events: NewConsentEvent[]): Promise<void> {
  const statements = [recordCurrentRevision(env.DB, "2026-01-01T00:00:00.000Z")];
  for (const event of events) statements.push(insertEventStatement(env.DB, event));
  for (let i = 0; i < statements.length; i += 500) await env.DB.batch(statements.slice(i, i + 500));
}

/** An earlier privacy-statement revision in the log, as if it had been served before the current one. */
export async function seedRevision(
  revision: string,
  statement: { title?: string; html?: string; text?: string; firstServedAt?: string } = {},
): Promise<void> {
  const { title = "Privacy Statement", text = "Old words.", firstServedAt = "2025-01-31T09:00:00.000Z" } = statement;
  const html = statement.html ?? `<h1>${title}</h1><p>${text}</p>`;
  await env.DB.prepare(
    `INSERT INTO privacy_revisions (revision, sha256, title, markdown, html, text, banner_texts, first_served_at)
     VALUES (?, ?, ?, ?, ?, ?, '{}', ?) ON CONFLICT (revision) DO NOTHING`,
  )
    .bind(revision, "0".repeat(64), title, `# ${title}\n\n${text}`, html, text, firstServedAt)
    .run();
}

export async function countEvents(): Promise<number> {
  const row = await env.DB.prepare("SELECT COUNT(*) AS n FROM consent_events").first<{ n: number }>();
  return row?.n ?? 0;
}

export async function errorOf(response: Response): Promise<{ code: string; message: string; field?: string }> {
  const body = (await response.json()) as { error: { code: string; message: string; field?: string } };
  return body.error;
}

/** Per-test state: storage is isolated per file, so wipe it and re-apply the real migrations. */
export async function freshLog(): Promise<void> {
  await reset();
  await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
}
