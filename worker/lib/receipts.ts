/**
 * @module
 * Signed consent receipts: the record a visitor gets for each stored choice
 * (shaped after ISO/IEC TS 27560), signed as a JWS (RFC 7515) with EdDSA over
 * Ed25519 (RFC 8037), and checked against published keys. Only WebCrypto and
 * shared types: `scripts/verify-receipt.ts` runs the same checks in Node.
 *
 * `RECEIPT_SIGNING_KEYS` is a JSON array of Ed25519 JWKs with a `kid`: the
 * first, a private key (`d`), signs; every entry's public part is published,
 * so a receipt signed by a retired key stays verifiable (docs/proof.md).
 */
import {
  CONTROLLER,
  type ConsentReceiptRecord,
  PURPOSE_ON,
  type PurposeState,
  RECEIPT_FORMAT,
  type ReceiptVerification,
} from "../../shared/api.ts";
import { CATEGORY_IDS, type Choices } from "../../shared/categories.ts";
import type { Basis } from "../../shared/rules.ts";
import type { StaffEvent } from "../../shared/staff-api.ts";
import { base64url, fromBase64url } from "./base64url.ts";

/** The stored fields a receipt is built from; `source` and `trusted` absent or null: not recorded. */
export type ReceiptFacts = Pick<
  StaffEvent,
  "eventId" | "consentId" | "receivedAt" | "method" | "choices" | "revision" | "textsHash"
> &
  Partial<Pick<StaffEvent, "source" | "trusted" | "region" | "ruleSet" | "basis">>;

/** A published receipt key (RFC 7517 JWK, RFC 8037 OKP). */
export interface PublicReceiptKey {
  kty: "OKP";
  crv: "Ed25519";
  x: string;
  kid: string;
  alg: "EdDSA";
  use: "sig";
}

export interface ReceiptKeySet {
  /** The first key, when it is usable for signing. */
  signer: { kid: string; x: string; d: string } | null;
  /** Every usable key's public part, signer first. */
  published: PublicReceiptKey[];
  /** What is wrong with the secret, one line each (ignored entries, a missing signer). */
  problems: string[];
}

/** The public half of the local key in `.dev.vars.example`: anyone can sign with it, so https ignores it. */
export const LOCAL_RECEIPT_KEY_X = "o937vt_gVDoHuHlIGJ4QTQKuPGXRhK-GEgI9nJX68mw";

/** 32 bytes in base64url without padding (RFC 8037 §2). */
const KEY_BYTES_PATTERN = /^[A-Za-z0-9_-]{43}$/;
const KID_PATTERN = /^[A-Za-z0-9._:-]{1,64}$/;

/**
 * Reads `RECEIPT_SIGNING_KEYS`. A malformed entry is left out and named; a
 * secret without a usable first private key signs nothing (each choice is
 * still stored, its receipt has `jws: null`).
 */
export function parseReceiptKeys(secret: string | undefined, secure = false): ReceiptKeySet {
  const problems: string[] = [];
  const published: PublicReceiptKey[] = [];
  let signer: ReceiptKeySet["signer"] = null;
  let entries: unknown;
  try {
    entries = JSON.parse(secret ?? "");
  } catch {
    entries = null;
  }
  if (!Array.isArray(entries) || entries.length === 0) {
    return {
      signer,
      published,
      problems: ["RECEIPT_SIGNING_KEYS is not a JSON array of Ed25519 JWKs; receipts are not signed"],
    };
  }
  entries.forEach((entry: unknown, index) => {
    const jwk = (typeof entry === "object" && entry !== null ? entry : {}) as Record<string, unknown>;
    const { kid, x, d } = jwk;
    const where = `RECEIPT_SIGNING_KEYS[${index}]`;
    if (
      jwk.kty !== "OKP" ||
      jwk.crv !== "Ed25519" ||
      typeof x !== "string" ||
      !KEY_BYTES_PATTERN.test(x) ||
      typeof kid !== "string" ||
      !KID_PATTERN.test(kid) ||
      (d !== undefined && (typeof d !== "string" || !KEY_BYTES_PATTERN.test(d)))
    ) {
      problems.push(`${where} is not an Ed25519 JWK (kty OKP, crv Ed25519, x, optional d) with a kid; left out`);
    } else if (published.some((key) => key.kid === kid)) {
      problems.push(`${where} repeats kid ${kid}; left out`);
    } else if (secure && x === LOCAL_RECEIPT_KEY_X) {
      problems.push(`${where} is the public local key of .dev.vars.example; ignored on https`);
    } else {
      published.push({ kty: "OKP", crv: "Ed25519", x, kid, alg: "EdDSA", use: "sig" });
      if (index === 0 && typeof d === "string") signer = { kid, x, d };
    }
  });
  if (!signer) problems.push("RECEIPT_SIGNING_KEYS[0] is no usable private key (with d); receipts are not signed");
  return { signer, published, problems };
}

let loaded: { secret: string | undefined; secure: boolean; keys: ReceiptKeySet } | null = null;

/** The worker's keys, parsed once per isolate and secret; problems logged once. */
export function receiptKeys(secret: string | undefined, secure: boolean): ReceiptKeySet {
  if (loaded && loaded.secret === secret && loaded.secure === secure) return loaded.keys;
  const keys = parseReceiptKeys(secret, secure);
  for (const problem of keys.problems) console.error(problem);
  loaded = { secret, secure, keys };
  return keys;
}

/** The event's hash in the log chain; null for an event from before the chain began. */
export function logHashOf(record: StaffEvent): string | null {
  return record.hash;
}

function purposeState(granted: boolean, method: ConsentReceiptRecord["method"], basis?: Basis): PurposeState {
  if (basis === "exception-not-objected") return "not-objected";
  if (basis === "objected") return "objected";
  if (granted) return "given";
  return method === "withdraw" ? "withdrawn" : "refused";
}

/** The record for a stored event; key order is fixed here, so equal facts give equal bytes. */
export function buildReceiptRecord(
  event: ReceiptFacts,
  noticeSha256: string,
  logHash: string | null,
): ConsentReceiptRecord {
  // Only where recorded: an event from before (both null) keeps the receipt it was given.
  const source = event.source ?? null;
  const trusted = event.trusted ?? null;
  const recorded = source !== null || trusted !== null;
  return {
    format: RECEIPT_FORMAT,
    eventId: event.eventId,
    consentId: event.consentId,
    time: event.receivedAt,
    controller: CONTROLLER,
    notice: { revision: event.revision, sha256: noticeSha256, textsHash: event.textsHash },
    method: event.method,
    ...(recorded ? { methodDetail: { source, trusted } } : {}),
    ...(event.ruleSet ? { rules: { region: event.region ?? null, ruleSet: event.ruleSet } } : {}),
    purposes: CATEGORY_IDS.map((id) => ({
      id,
      state: purposeState(event.choices[id], event.method, event.basis?.[id]),
    })),
    logHash,
  };
}

const encoder = new TextEncoder();

function jsonOf(part: string): unknown {
  const bytes = fromBase64url(part);
  if (!bytes) return undefined;
  try {
    return JSON.parse(new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes));
  } catch {
    return undefined;
  }
}

/** The JWS compact serialization of `record`, signed by the key set's signer. */
export async function signReceipt(record: ConsentReceiptRecord, signer: NonNullable<ReceiptKeySet["signer"]>) {
  const key = await crypto.subtle.importKey(
    "jwk",
    { kty: "OKP", crv: "Ed25519", x: signer.x, d: signer.d },
    { name: "Ed25519" },
    false,
    ["sign"],
  );
  const signingInput = `${base64url(encoder.encode(JSON.stringify({ alg: "EdDSA", kid: signer.kid })))}.${base64url(encoder.encode(JSON.stringify(record)))}`;
  const signature = new Uint8Array(await crypto.subtle.sign({ name: "Ed25519" }, key, encoder.encode(signingInput)));
  return `${signingInput}.${base64url(signature)}`;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

function isReceiptRecord(value: unknown): value is ConsentReceiptRecord {
  return (
    isObject(value) &&
    value.format === RECEIPT_FORMAT &&
    typeof value.eventId === "string" &&
    typeof value.consentId === "string" &&
    typeof value.time === "string" &&
    isObject(value.controller) &&
    isObject(value.notice) &&
    typeof value.notice.revision === "string" &&
    typeof value.method === "string" &&
    Array.isArray(value.purposes) &&
    value.purposes.every((purpose) => isObject(purpose) && typeof purpose.id === "string")
  );
}

/** Paths (`notice.revision`, `purposes.0.state`) where `actual` differs from `expected`. */
export function differingPaths(expected: unknown, actual: unknown, path = ""): string[] {
  if (isObject(expected) || Array.isArray(expected)) {
    if (typeof actual !== "object" || actual === null || Array.isArray(expected) !== Array.isArray(actual)) {
      return [path || "(the whole record)"];
    }
    const keys = new Set([...Object.keys(expected), ...Object.keys(actual)]);
    return [...keys].flatMap((key) =>
      differingPaths(
        (expected as Record<string, unknown>)[key],
        (actual as Record<string, unknown>)[key],
        path ? `${path}.${key}` : key,
      ),
    );
  }
  return expected === actual ? [] : [path || "(the whole record)"];
}

/** The receipt's readable fields as the signed record states them. */
function readableFieldsOf(record: ConsentReceiptRecord) {
  const choices = Object.fromEntries(
    record.purposes.map(({ id, state }) => [id, PURPOSE_ON.includes(state)]),
  ) as Choices;
  const { eventId, consentId, time: receivedAt, notice, method } = record;
  return { eventId, consentId, receivedAt, revision: notice.revision, method, choices, record };
}

/** Readable fields of `receipt` that say something else than the signed record. */
function alteredFields(receipt: Record<string, unknown>, record: ConsentReceiptRecord): string[] {
  const signed = readableFieldsOf(record);
  return (Object.keys(signed) as (keyof typeof signed)[])
    .filter((field) => field in receipt)
    .flatMap((field) => differingPaths(signed[field], receipt[field], field));
}

/** Largest receipt accepted for checking; a real one is about 2 KB. */
export const RECEIPT_TEXT_LIMIT = 16_384;

/** A receipt as pasted or saved: JSON (the worker's answer), else the JWS text itself. */
export function parseReceiptText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text.trim();
  }
}

const failure = (reason: string, kid: string | null = null, record: ConsentReceiptRecord | null = null) =>
  ({ valid: false, reason, kid, record }) as const;

/**
 * Checks a receipt: the worker's whole answer (`{ ..., record, jws }`), or
 * its `jws` alone. Valid only when the signature verifies with the published
 * key its `kid` names and every readable field says what the signed record says.
 */
export async function verifyReceipt(receipt: unknown, keys: readonly PublicReceiptKey[]): Promise<ReceiptVerification> {
  const jws = typeof receipt === "string" ? receipt.trim() : isObject(receipt) ? receipt.jws : undefined;
  if (jws === null)
    return failure("the receipt has no signature (jws is null): no signing key was set when it was issued");
  if (typeof jws !== "string") return failure("not a receipt: expected a JWS string or a JSON object with a jws field");
  const [headerPart, payloadPart, signaturePart, extra] = jws.split(".");
  const header = jsonOf(headerPart ?? "");
  const payload = jsonOf(payloadPart ?? "");
  const signature = fromBase64url(signaturePart ?? "");
  if (extra !== undefined || !isObject(header) || payload === undefined || !signature) {
    return failure("jws is not a JWS compact serialization (header.payload.signature, base64url)");
  }
  const record = isReceiptRecord(payload) ? payload : null;
  const kid = typeof header.kid === "string" ? header.kid : null;
  if (header.alg !== "EdDSA")
    return failure(`unsupported alg ${String(header.alg)}: receipts are signed with EdDSA`, kid, record);
  if (header.crit !== undefined)
    return failure("the JWS header has crit extensions this verifier does not know", kid, record);
  const key = keys.find((candidate) => candidate.kid === kid);
  if (!key || kid === null) {
    return failure(`unknown key id ${kid ?? "(none)"}: no published receipt key has it`, kid, record);
  }
  let publicKey: CryptoKey;
  try {
    publicKey = await crypto.subtle.importKey(
      "jwk",
      { kty: "OKP", crv: "Ed25519", x: key.x },
      { name: "Ed25519" },
      false,
      ["verify"],
    );
  } catch {
    return failure(`published key ${kid} is not an Ed25519 public key`, kid, record);
  }
  const signedBytes = encoder.encode(`${headerPart}.${payloadPart}`);
  if (!(await crypto.subtle.verify({ name: "Ed25519" }, publicKey, signature, signedBytes))) {
    return failure(
      `signature does not verify with key ${kid}: the signed record was changed after signing, or another key signed it`,
      kid,
      record,
    );
  }
  if (!record) return failure("the signed payload is not a consent receipt record", kid);
  const altered = isObject(receipt) ? alteredFields(receipt, record) : [];
  if (altered.length > 0) {
    const verb = altered.length === 1 ? "differs" : "differ";
    return failure(`changed after signing: ${altered.join(", ")} ${verb} from the signed record`, kid, record);
  }
  return { valid: true, kid, record };
}

/**
 * Where `record` says something else than the log's `stored` event (its
 * facts, log hash and the notice's hash as `privacy_revisions` holds it);
 * the controller is not a log fact and is not compared.
 */
export function logDifferences(
  record: ConsentReceiptRecord,
  stored: ReceiptFacts,
  storedLogHash: string | null,
  storedNoticeSha256: string | null,
): string[] {
  const expected = buildReceiptRecord(stored, storedNoticeSha256 ?? record.notice.sha256, storedLogHash);
  return differingPaths({ ...expected, controller: record.controller }, record);
}
