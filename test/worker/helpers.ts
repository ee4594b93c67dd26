/**
 * Builders for consent-API tests: a valid body, a POST with the headers a
 * browser on an allowed site sends, and the log's row count.
 */
import { applyD1Migrations, reset } from "cloudflare:test";
import { env } from "cloudflare:workers";
import type { ConsentEvent } from "../../shared/consent-schema.ts";
import { REVISION, WIDGET_VERSION } from "../../shared/generated/build-info.ts";
import app from "../../worker/index.ts";

export const SITE_ORIGIN = "http://127.0.0.1:8787";

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
    "User-Agent": "Mozilla/5.0 (X11; Linux x86_64) TestBrowser/1.0",
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
