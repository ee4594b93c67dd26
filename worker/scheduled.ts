/**
 * @module
 * The daily retention purge (Cron Trigger in wrangler.toml). Consent events
 * older than `RETENTION_DAYS` (default 730) and staff audit rows older than
 * `AUDIT_RETENTION_DAYS` are deleted in batches, oldest first, so a large
 * backlog never exceeds D1's per-query limits; each purge records what it
 * removed in the audit (COMPLIANCE.md item 16; GDPR Art. 5(1)(e)).
 */
import { purgeEventsBefore } from "./db/consent-events.ts";
import { purgeRefusedOriginsBefore } from "./db/refused-origins.ts";
import { insertAuditStatement, purgeAuditBefore } from "./db/staff-audit.ts";

export const DEFAULT_RETENTION_DAYS = 730;
export const DEFAULT_AUDIT_RETENTION_DAYS = 730;
/** The database refuses to delete younger audit rows (migrations/0002_staff_log.sql). */
export const MIN_AUDIT_RETENTION_DAYS = 90;

/** Rows per DELETE: small enough for any per-query limit, large enough to be quick. */
export const PURGE_BATCH = 1000;
/**
 * Batches per table per run; a larger backlog continues the next day. Two
 * tables at 400 each stay inside D1's 1,000 queries per invocation.
 */
export const MAX_BATCHES = 400;

/** Refused-origin counts deleted per run: one statement, well above the rows a day can add. */
export const REFUSED_ORIGINS_PURGE_LIMIT = 5000;

const DAY_MS = 86_400_000;

/**
 * A whole number of days from a var: the default if unset or malformed,
 * raised to `minimum` if below it (the database would refuse anyway).
 */
export function retentionDays(setting: string | undefined, fallback: number, minimum = 1): number {
  if (setting === undefined || setting.trim() === "") return fallback;
  const days = Number(setting);
  if (!Number.isInteger(days) || days < 1) {
    console.error(`retention setting ${JSON.stringify(setting)} is not a whole number of days; using ${fallback}`);
    return fallback;
  }
  return Math.max(days, minimum);
}

async function purgeInBatches(remove: (batch: number) => Promise<number>): Promise<{ removed: number; more: boolean }> {
  let removed = 0;
  for (let batch = 0; batch < MAX_BATCHES; batch++) {
    const changes = await remove(PURGE_BATCH);
    removed += changes;
    if (changes < PURGE_BATCH) return { removed, more: false };
  }
  return { removed, more: true };
}

export interface PurgeReport {
  events: { before: string; removed: number; more: boolean };
  audit: { before: string; removed: number; more: boolean };
  refusedOrigins: { beforeDay: string; removed: number };
}

export async function purgeExpired(env: Env, now: Date): Promise<PurgeReport> {
  const db = env.DB;
  const eventDays = retentionDays(env.RETENTION_DAYS, DEFAULT_RETENTION_DAYS);
  const auditDays = retentionDays(env.AUDIT_RETENTION_DAYS, DEFAULT_AUDIT_RETENTION_DAYS, MIN_AUDIT_RETENTION_DAYS);
  const eventsBefore = new Date(now.getTime() - eventDays * DAY_MS).toISOString();
  const auditBefore = new Date(now.getTime() - auditDays * DAY_MS).toISOString();

  const events = await purgeInBatches((batch) => purgeEventsBefore(db, eventsBefore, batch));
  const auditRows = await purgeInBatches((batch) => purgeAuditBefore(db, auditBefore, batch));
  // Counts of refused site origins follow the events' retention (no personal data, so no audit row).
  const beforeDay = eventsBefore.slice(0, 10);
  const refusedOrigins = await purgeRefusedOriginsBefore(db, beforeDay, REFUSED_ORIGINS_PURGE_LIMIT);

  const at = new Date().toISOString();
  const entry = (table: string, before: string, days: number, result: { removed: number; more: boolean }) =>
    insertAuditStatement(db, {
      at,
      actor: "cron",
      via: "cron",
      action: "purge",
      query: JSON.stringify({ table, before, retentionDays: days, backlogRemains: result.more }),
      rowCount: result.removed,
    });
  await db.batch([
    entry("consent_events", eventsBefore, eventDays, events),
    entry("staff_audit", auditBefore, auditDays, auditRows),
  ]);
  return {
    events: { before: eventsBefore, ...events },
    audit: { before: auditBefore, ...auditRows },
    refusedOrigins: { beforeDay, removed: refusedOrigins },
  };
}

export async function scheduled(controller: ScheduledController, env: Env, ctx: ExecutionContext): Promise<void> {
  ctx.waitUntil(
    purgeExpired(env, new Date(controller.scheduledTime)).then(
      (report) =>
        console.log(
          `retention purge: ${report.events.removed} events, ${report.audit.removed} audit rows, ${report.refusedOrigins.removed} refused-origin counts`,
        ),
      (error: unknown) => {
        console.error(`retention purge failed: ${error instanceof Error ? error.name : "unknown error"}`);
        throw error;
      },
    ),
  );
}
