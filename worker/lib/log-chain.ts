/**
 * @module
 * The consent log's hash chain and its signed checkpoints: the canonical
 * serialisation of a stored event, its SHA-256, the Ed25519 checkpoint
 * signatures, and the verification of a whole chain against checkpoints.
 * WebCrypto only, no Workers APIs: the worker and `scripts/verify-log.ts`
 * (Node) import this same module, so they cannot disagree on a byte.
 * docs/proof.md specifies all of it for tools written elsewhere.
 */

/** The `prev_hash` of the first event of the chain. */
export const GENESIS_HASH = "0".repeat(64);

/** An event's columns as stored in `consent_events` (every one covered by its hash except `id`). */
export interface ChainRow {
  id: number;
  seq: number;
  prev_hash: string;
  hash: string;
  event_id: string;
  consent_id: string;
  received_at: string;
  method: string;
  analytics: number;
  functionality: number;
  targeting: number;
  revision: string;
  texts_hash: string | null;
  page_url: string;
  user_agent: string;
  ip_prefix: string | null;
  country: string | null;
  language: string;
  gpc: number;
  widget_version: string;
  /** Columns added after the chain began (migrations/0008): NULL in every row before them. */
  privacy_url: string | null;
  source: string | null;
  trusted: number | null;
  /** Added by migrations/0009: NULL in every row before them (`basis` is JSON text). */
  region: string | null;
  rule_set: string | null;
  basis: string | null;
  claimed_rule_set: string | null;
}

export type ChainFields = Omit<ChainRow, "id" | "hash">;

/**
 * Columns added after the chain began, in table order. Each is covered only
 * when it is not NULL, as its name then its value, so every row stored
 * before a column existed hashes exactly as it did. A later column is
 * appended here, never inserted.
 */
export const OPTIONAL_CHAIN_COLUMNS = [
  "privacy_url",
  "source",
  "trusted",
  "region",
  "rule_set",
  "basis",
  "claimed_rule_set",
] as const;

/**
 * The bytes an event's hash covers: a JSON array (RFC 8785 / ECMAScript
 * `JSON.stringify` rules: no whitespace, strings escaped as JSON.stringify
 * does, integers in decimal, null for a missing value, the 0/1 columns as
 * the numbers 0 and 1) of the previous hash and the stored columns in table
 * order, then each optional column that is not NULL as two elements (its
 * name, its value), encoded as UTF-8. `received_at` is the stored string itself.
 */
export function canonicalEvent(fields: ChainFields): string {
  const optional = OPTIONAL_CHAIN_COLUMNS.flatMap((column) => {
    const value = fields[column];
    return value === null || value === undefined ? [] : [column, value];
  });
  return JSON.stringify([
    fields.prev_hash,
    fields.seq,
    fields.event_id,
    fields.consent_id,
    fields.received_at,
    fields.method,
    fields.analytics,
    fields.functionality,
    fields.targeting,
    fields.revision,
    fields.texts_hash,
    fields.page_url,
    fields.user_agent,
    fields.ip_prefix,
    fields.country,
    fields.language,
    fields.gpc,
    fields.widget_version,
    ...optional,
  ]);
}

function hex(bytes: ArrayBuffer): string {
  return Array.from(new Uint8Array(bytes), (byte) => byte.toString(16).padStart(2, "0")).join("");
}

/** Lowercase hex SHA-256 of the event's canonical serialisation. */
export async function eventHash(fields: ChainFields): Promise<string> {
  return hex(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(canonicalEvent(fields))));
}

/** `daily`: the cron's record of the head; `cut`: the last event a retention purge removed. */
export type CheckpointKind = "daily" | "cut";

export interface Checkpoint {
  kind: CheckpointKind;
  /** The event's place in the chain; 0 with the genesis hash for an empty log. */
  seq: number;
  hash: string;
  /** When it was signed, ISO 8601 UTC. */
  at: string;
  /** Ed25519 over `checkpointMessage`, base64url. */
  signature: string;
}

/** `checkpointMessage` in words, for the downloaded file. */
export const CHECKPOINT_MESSAGE_FORMAT =
  'Ed25519 over the UTF-8 of the JSON array ["opencontact-consent log checkpoint v1", kind, seq, hash, at] (JSON.stringify, no spaces)';

/** The signed bytes: a JSON array, UTF-8. */
export function checkpointMessage({ kind, seq, hash, at }: Omit<Checkpoint, "signature">): string {
  return JSON.stringify(["opencontact-consent log checkpoint v1", kind, seq, hash, at]);
}

function base64urlToBytes(text: string): Uint8Array<ArrayBuffer> | null {
  const base64 = text.trim().replace(/-/g, "+").replace(/_/g, "/");
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(base64)) return null;
  try {
    return Uint8Array.from(atob(base64.padEnd(Math.ceil(base64.length / 4) * 4, "=")), (char) => char.charCodeAt(0));
  } catch {
    return null;
  }
}

function bytesToBase64url(bytes: ArrayBuffer): string {
  return btoa(String.fromCharCode(...new Uint8Array(bytes)))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");
}

/** What `CHECKPOINT_KEY` must be, in the words of the error that says so. */
export const CHECKPOINT_KEY_FORMAT = "CHECKPOINT_KEY must be 32 random bytes in base64 (openssl rand -base64 32)";

/** PKCS #8 header of an Ed25519 private key (RFC 8410), followed by the 32-byte seed. */
const ED25519_PKCS8_PREFIX = [
  0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
];

export interface CheckpointSigner {
  /** The Ed25519 public key, 32 bytes base64url: what outsiders verify checkpoints with. */
  publicKey: string;
  sign(checkpoint: Omit<Checkpoint, "signature">): Promise<Checkpoint>;
}

/** The signer for a `CHECKPOINT_KEY` (an Ed25519 seed); throws `CHECKPOINT_KEY_FORMAT` if it is not one. */
export async function checkpointSigner(secret: string | undefined): Promise<CheckpointSigner> {
  const seed = secret ? base64urlToBytes(secret) : null;
  if (seed?.length !== 32) throw new Error(CHECKPOINT_KEY_FORMAT);
  const pkcs8 = new Uint8Array([...ED25519_PKCS8_PREFIX, ...seed]);
  const key = await crypto.subtle.importKey("pkcs8", pkcs8, { name: "Ed25519" }, true, ["sign"]);
  const { x } = (await crypto.subtle.exportKey("jwk", key)) as JsonWebKey;
  if (!x) throw new Error(CHECKPOINT_KEY_FORMAT);
  return {
    publicKey: x,
    async sign(checkpoint) {
      const message = new TextEncoder().encode(checkpointMessage(checkpoint));
      const signature = await crypto.subtle.sign({ name: "Ed25519" }, key, message);
      return { ...checkpoint, signature: bytesToBase64url(signature) };
    },
  };
}

/** Checks a checkpoint's signature against a public key (32 bytes, base64url). */
export async function checkpointSignedBy(checkpoint: Checkpoint, publicKey: string): Promise<boolean> {
  const raw = base64urlToBytes(publicKey);
  const signature = base64urlToBytes(checkpoint.signature);
  if (raw?.length !== 32 || !signature) return false;
  try {
    const key = await crypto.subtle.importKey("raw", raw, { name: "Ed25519" }, false, ["verify"]);
    return await crypto.subtle.verify(
      { name: "Ed25519" },
      key,
      signature,
      new TextEncoder().encode(checkpointMessage(checkpoint)),
    );
  } catch {
    return false;
  }
}

/** The first thing found wrong: which event (or checkpoint) and what differs. */
export interface ChainProblem {
  /** The chain position concerned; for a missing event, the one expected there. */
  seq: number;
  /** The stored event at fault, when there is one (null for a removed event). */
  eventId: string | null;
  id: number | null;
  problem: string;
}

export interface ChainReport {
  valid: boolean;
  /** Chained events checked. */
  events: number;
  /** The chain starts after this (0, or the newest retention cut). */
  fromSeq: number;
  headSeq: number;
  headHash: string;
  checkpoints: number;
  /** The newest daily checkpoint that matched, if any. */
  lastCheckpoint: Checkpoint | null;
  firstProblem: ChainProblem | null;
}

export interface ChainSource {
  /** Chained events in `seq` order, in batches. */
  rows: AsyncIterable<ChainRow[]> | Iterable<ChainRow[]>;
  checkpoints: Checkpoint[];
  /** Null when no key is at hand: signatures go unchecked and the checkpoints are taken as stored. */
  publicKey: string | null;
  /** A stored event without a chain position that arrived after the chain began (legacy rows are allowed). */
  firstUnchained?: { id: number; eventId: string } | null;
}

/**
 * Verifies the chain from the newest signed retention cut to the head:
 * consecutive positions, each `prev_hash` equal to the previous event's
 * hash, each hash equal to the hash of its stored columns, and each signed
 * daily checkpoint equal to the event at its position. Stops at the first
 * problem, which names the event.
 */
export async function verifyChain(source: ChainSource): Promise<ChainReport> {
  const report: ChainReport = {
    valid: false,
    events: 0,
    fromSeq: 0,
    headSeq: 0,
    headHash: GENESIS_HASH,
    checkpoints: source.checkpoints.length,
    lastCheckpoint: null,
    firstProblem: null,
  };
  const fail = (problem: ChainProblem): ChainReport => ({ ...report, firstProblem: problem });

  for (const checkpoint of source.publicKey === null ? [] : source.checkpoints) {
    if (!(await checkpointSignedBy(checkpoint, source.publicKey ?? ""))) {
      return fail({
        seq: checkpoint.seq,
        eventId: null,
        id: null,
        problem: `the ${checkpoint.kind} checkpoint of ${checkpoint.at} is not signed by the checkpoint key`,
      });
    }
  }
  const cut = source.checkpoints
    .filter((checkpoint) => checkpoint.kind === "cut")
    .reduce<Checkpoint | null>(
      (newest, checkpoint) => (!newest || checkpoint.seq > newest.seq ? checkpoint : newest),
      null,
    );
  report.fromSeq = cut?.seq ?? 0;
  let prevHash = cut?.hash ?? GENESIS_HASH;
  let expected = report.fromSeq + 1;
  const daily = new Map<number, Checkpoint[]>();
  for (const checkpoint of source.checkpoints) {
    if (checkpoint.kind === "daily" && checkpoint.seq > report.fromSeq) {
      daily.set(checkpoint.seq, [...(daily.get(checkpoint.seq) ?? []), checkpoint]);
    }
  }

  for await (const batch of source.rows) {
    for (const row of batch) {
      const at = { seq: row.seq, eventId: row.event_id, id: row.id };
      if (row.seq < expected) {
        return fail({ ...at, problem: `event ${row.seq} is stored but the chain continues from ${expected - 1}` });
      }
      if (row.seq > expected) {
        return fail({
          seq: expected,
          eventId: null,
          id: null,
          problem: `event ${expected} is missing: the next stored event is ${row.seq} (event id ${row.event_id})`,
        });
      }
      if (row.prev_hash !== prevHash) {
        return fail({
          ...at,
          problem: `prev_hash ${row.prev_hash} is not the hash of event ${row.seq - 1} (${prevHash}): an event before it was changed, removed or moved`,
        });
      }
      const computed = await eventHash(row);
      if (computed !== row.hash) {
        return fail({
          ...at,
          problem: `its stored columns hash to ${computed}, not its stored hash ${row.hash}: a column was changed`,
        });
      }
      for (const checkpoint of daily.get(row.seq) ?? []) {
        if (checkpoint.hash !== row.hash) {
          return fail({
            ...at,
            problem: `its hash ${row.hash} differs from the signed checkpoint of ${checkpoint.at} (${checkpoint.hash}): events up to ${row.seq} were rewritten`,
          });
        }
        report.lastCheckpoint = checkpoint;
      }
      prevHash = row.hash;
      expected += 1;
      report.events += 1;
      report.headSeq = row.seq;
      report.headHash = row.hash;
    }
  }
  if (report.events === 0) {
    report.headSeq = report.fromSeq;
    report.headHash = prevHash;
  }

  const beyond = [...daily.keys()].filter((seq) => seq > report.headSeq).sort((a, b) => a - b)[0];
  if (beyond !== undefined) {
    const checkpoint = daily.get(beyond)?.[0] as Checkpoint;
    return fail({
      seq: report.headSeq + 1,
      eventId: null,
      id: null,
      problem: `the log ends at event ${report.headSeq} but the signed checkpoint of ${checkpoint.at} reached event ${beyond}: events ${report.headSeq + 1} to ${beyond} were removed`,
    });
  }
  if (source.firstUnchained) {
    return fail({
      seq: report.headSeq,
      eventId: source.firstUnchained.eventId,
      id: source.firstUnchained.id,
      problem: `row id ${source.firstUnchained.id} (event id ${source.firstUnchained.eventId}) is stored outside the chain, after the chain began`,
    });
  }
  return { ...report, valid: true };
}
