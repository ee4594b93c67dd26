/**
 * @module
 * The daily retention purge (Cron Trigger in wrangler.toml). Consent events
 * older than `RETENTION_DAYS` (default 730) and staff audit rows older than
 * `AUDIT_RETENTION_DAYS` are deleted in batches, oldest first, so a large
 * backlog never exceeds D1's per-query limits; each purge records what it
 * removed in the audit (COMPLIANCE.md item 16; GDPR Art. 5(1)(e)). Chained
 * events go from the front of the hash chain, each batch together with a
 * signed cut (the last removed event's position and hash), so the rest stays
 * verifiable; then a signed checkpoint of the chain's head is stored
 * (docs/proof.md "Tamper-evident log"). Banner text sets no remaining event
 * refers to go with the events (a set still referred to stays).
 */
import { purgeEventsBefore } from "./db/consent-events.ts";
import { chainFront, deleteChainThroughStatement, insertCheckpointStatement, readChainHead } from "./db/log-chain.ts";
import { purgeRefusedOriginsBefore } from "./db/refused-origins.ts";
import { insertAuditStatement, purgeAuditBefore } from "./db/staff-audit.ts";
import { purgeUnreferencedTextSets } from "./db/text-sets.ts";
import { type Checkpoint, type CheckpointSigner, checkpointSigner } from "./lib/log-chain.ts";

export const DEFAULT_RETENTION_DAYS = 730;
export const DEFAULT_AUDIT_RETENTION_DAYS = 730;
/** The database refuses to delete younger audit rows (migrations/0002_staff_log.sql). */
export const MIN_AUDIT_RETENTION_DAYS = 90;

/** Rows per DELETE: small enough for any per-query limit, large enough to be quick. */
export const PURGE_BATCH = 1000;
/**
 * Batches per table per run; a larger backlog continues the next day. The
 * audit at 400, chained events at 150 (two queries each), events from
 * before the chain at 100, text sets at 10, and the checkpoint stay inside D1's 1,000
 * queries per invocation.
 */
export const MAX_BATCHES = 400;
export const MAX_CHAIN_BATCHES = 150;
export const MAX_LEGACY_BATCHES = 100;
/** Text sets are few (one per wording a site used): ten batches is far more than a day frees. */
export const MAX_TEXT_SET_BATCHES = 10;

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

async function purgeInBatches(
  remove: (batch: number) => Promise<number>,
  maxBatches = MAX_BATCHES,
): Promise<{ removed: number; more: boolean }> {
  let removed = 0;
  for (let batch = 0; batch < maxBatches; batch++) {
    const changes = await remove(PURGE_BATCH);
    removed += changes;
    if (changes < PURGE_BATCH) return { removed, more: false };
  }
  return { removed, more: true };
}

/**
 * Deletes up to `batch` chained events from the front of the chain while they
 * are older than `before`, in one transaction with the signed cut at the last
 * one removed: the chain never loses its front without saying where it now
 * starts. Stops at the first younger event, so the chain stays whole.
 */
export async function purgeChainBefore(
  db: D1Database,
  signer: CheckpointSigner,
  before: string,
  batch: number,
): Promise<number> {
  const front = await chainFront(db, batch);
  const young = front.findIndex((event) => event.received_at >= before);
  const last = front[(young === -1 ? front.length : young) - 1];
  if (!last) return 0;
  const cut = await signer.sign({ kind: "cut", seq: last.seq, hash: last.hash, at: new Date().toISOString() });
  const [deleted] = await db.batch([deleteChainThroughStatement(db, last.seq), insertCheckpointStatement(db, cut)]);
  // Short of `batch` when a younger event stopped it, which ends the purge.
  return deleted?.results.length ?? 0;
}

/** Whether the front of the chain is past retention (what stays when no key can sign the cut). */
async function chainHasExpired(db: D1Database, before: string): Promise<boolean> {
  const [oldest] = await chainFront(db, 1);
  return oldest !== undefined && oldest.received_at < before;
}

/** Signs and stores the chain's head: what staff download to keep outside Cloudflare. */
export async function storeDailyCheckpoint(db: D1Database, signer: CheckpointSigner, now: Date): Promise<Checkpoint> {
  const head = await readChainHead(db);
  const checkpoint = await signer.sign({ kind: "daily", seq: head.seq, hash: head.hash, at: now.toISOString() });
  await insertCheckpointStatement(db, checkpoint).run();
  return checkpoint;
}

export interface PurgeReport {
  events: { before: string; removed: number; more: boolean };
  audit: { before: string; removed: number; more: boolean };
  refusedOrigins: { beforeDay: string; removed: number };
  textSets: { removed: number; more: boolean };
}

/**
 * The signer for `CHECKPOINT_KEY`, or null with one error line saying what
 * to set: the purge of events outside the chain and of the audit still runs.
 */
async function signerOf(env: Env): Promise<CheckpointSigner | null> {
  try {
    return await checkpointSigner(env.CHECKPOINT_KEY);
  } catch (error) {
    console.error(
      `${error instanceof Error ? error.message : "CHECKPOINT_KEY is unusable"}; chained events are not purged and no checkpoint is signed until it is set (docs/deploy.md)`,
    );
    return null;
  }
}

export async function purgeExpired(env: Env, now: Date, signer?: CheckpointSigner | null): Promise<PurgeReport> {
  const db = env.DB;
  const eventDays = retentionDays(env.RETENTION_DAYS, DEFAULT_RETENTION_DAYS);
  const auditDays = retentionDays(env.AUDIT_RETENTION_DAYS, DEFAULT_AUDIT_RETENTION_DAYS, MIN_AUDIT_RETENTION_DAYS);
  const eventsBefore = new Date(now.getTime() - eventDays * DAY_MS).toISOString();
  const auditBefore = new Date(now.getTime() - auditDays * DAY_MS).toISOString();

  const chained = signer
    ? await purgeInBatches((batch) => purgeChainBefore(db, signer, eventsBefore, batch), MAX_CHAIN_BATCHES)
    : { removed: 0, more: await chainHasExpired(db, eventsBefore) };
  const legacy = await purgeInBatches((batch) => purgeEventsBefore(db, eventsBefore, batch), MAX_LEGACY_BATCHES);
  const events = { removed: chained.removed + legacy.removed, more: chained.more || legacy.more };
  // After the events: a set whose last event just went is unreferenced now. The site's texts, not personal data: no audit row.
  const textSets = await purgeInBatches((batch) => purgeUnreferencedTextSets(db, batch), MAX_TEXT_SET_BATCHES);
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
    textSets,
  };
}

/** The daily run: the retention purge, then the signed checkpoint of what remains. */
export async function dailyRun(env: Env, now: Date): Promise<{ purge: PurgeReport; checkpoint: Checkpoint | null }> {
  const signer = await signerOf(env);
  const purge = await purgeExpired(env, now, signer);
  const checkpoint = signer ? await storeDailyCheckpoint(env.DB, signer, new Date()) : null;
  return { purge, checkpoint };
}

export async function scheduled(controller: ScheduledController, env: Env, ctx: ExecutionContext): Promise<void> {
  ctx.waitUntil(
    dailyRun(env, new Date(controller.scheduledTime)).then(
      ({ purge: report, checkpoint }) =>
        console.log(
          `retention purge: ${report.events.removed} events, ${report.audit.removed} audit rows, ${report.refusedOrigins.removed} refused-origin counts, ${report.textSets.removed} text sets; ${checkpoint ? `checkpoint at event ${checkpoint.seq}` : "no checkpoint"}`,
        ),
      (error: unknown) => {
        console.error(`retention purge failed: ${error instanceof Error ? error.name : "unknown error"}`);
        throw error;
      },
    ),
  );
}
