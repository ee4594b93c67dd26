/**
 * @module
 * The visitor's choice as pure data: how it is written into the consent
 * cookie, whether a stored choice still counts, and what a new choice means
 * for the log. No DOM here, so every rule is testable without a browser.
 */
import { CATEGORY_IDS, type CategoryId, type Choices } from "../shared/categories.ts";
import type { ConsentMethod } from "../shared/consent-schema.ts";

/** Cookie format version; a cookie in any other format counts as no consent. */
export const COOKIE_FORMAT = "1";

/** CNIL good practice: keep a choice, refusals included, for about six months. */
export const DEFAULT_EXPIRY_DAYS = 182;

const DAY_MS = 86_400_000;

/** The choice the browser keeps, and the id the visitor can quote. */
export interface ConsentRecord {
  consentId: string;
  revision: string;
  /** When the choice was made, in milliseconds since the epoch (second precision). */
  time: number;
  choices: Choices;
}

/** What the visitor pressed; `object`: the UK notice's Object button (issue 14), or a GPC signal under the UK rule. */
export type ChoiceAction = "accept_all" | "reject_all" | "custom" | "object";

/**
 * FNV-1a (32 bit) of the cookie body. Not a secret: it only turns a cookie
 * corrupted in transit or edited by hand into "no consent".
 */
function checksum(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  }
  return (hash >>> 0).toString(36);
}

/** `1.<consent id>.<revision>.<seconds base 36>.<category bits>.<checksum>`: about 75 bytes. */
export function encodeRecord(record: ConsentRecord): string {
  let bits = 0;
  CATEGORY_IDS.forEach((id, index) => {
    if (record.choices[id]) bits |= 1 << index;
  });
  const body = [
    COOKIE_FORMAT,
    record.consentId,
    record.revision,
    Math.floor(record.time / 1000).toString(36),
    bits,
  ].join(".");
  return `${body}.${checksum(body)}`;
}

/** The whole cookie value: format 1 (COOKIE_FORMAT), UUID v4 (lower case), revision, time, category bits, checksum. */
const COOKIE_VALUE =
  /^1\.([0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12})\.([0-9a-f]{16})\.([0-9a-z]{1,8})\.([0-7])\.([0-9a-z]+)$/;

/** COOKIE_VALUE's match: every group is mandatory, so a match has them all. */
type CookieFields = [value: string, consentId: string, revision: string, seconds: string, bits: string, sum: string];

/** Reads a cookie value; anything malformed, forged or from another format version is `null`. */
export function decodeRecord(value: string | undefined, now: number): ConsentRecord | null {
  // A first visit has no cookie: skip the regex, whose first use compiles it.
  if (!value) return null;
  const match = COOKIE_VALUE.exec(value);
  if (!match) return null;
  const [, consentId, revision, seconds, bits, sum] = match as unknown as CookieFields;
  if (sum !== checksum(value.slice(0, -sum.length - 1))) return null;
  const time = parseInt(seconds, 36) * 1000;
  // A choice from the future is forged or written by a broken clock.
  if (time > now + DAY_MS) return null;
  const choices = {} as Choices;
  CATEGORY_IDS.forEach((id, index) => {
    choices[id] = !!(+bits & (1 << index));
  });
  return { consentId, revision, time, choices };
}

/**
 * The visitor's latest choice among several consent cookies (a site that
 * added or changed `data-cookie-domain` leaves one per domain): the newest
 * valid one; at the same second, the one made under the current revision.
 */
export function newestRecord(values: readonly string[], revision: string, now: number): ConsentRecord | null {
  let newest: ConsentRecord | null = null;
  for (const value of values) {
    const record = decodeRecord(value, now);
    if (
      record &&
      (!newest || record.time > newest.time || (record.time === newest.time && record.revision === revision))
    )
      newest = record;
  }
  return newest;
}

/** A stored choice counts only for the revision the visitor saw and until it expires. */
export function isCurrent(record: ConsentRecord | null, revision: string, now: number, expiryDays: number) {
  return record !== null && record.revision === revision && now - record.time < expiryDays * DAY_MS;
}

/** Categories granted before and not any more. */
export function withdrawnCategories(previous: Choices | null | undefined, next: Choices): CategoryId[] {
  return previous ? CATEGORY_IDS.filter((id) => previous[id] && !next[id]) : [];
}

/**
 * The log's method: turning off anything granted before is a withdrawal (GDPR Art. 7(3)); an
 * objection stays one, since it is what the UK rule asks the log to show.
 */
export function methodOf(action: ChoiceAction, previous: Choices | null | undefined, next: Choices): ConsentMethod {
  return action !== "object" && withdrawnCategories(previous, next).length > 0 ? "withdraw" : action;
}

/**
 * A UUID v4 from the browser's CSPRNG (randomUUID needs a secure context; getRandomValues does not):
 * each 0 and 1 of the template becomes a random hex digit, each 8 one of 8 to b (the variant).
 */
export function newUuid(): string {
  return "10000000-1000-4000-8000-100000000000".replace(/[018]/g, (digit) =>
    (+digit ^ ((crypto.getRandomValues(new Uint8Array(1))[0] as number) & (15 >> (+digit / 4)))).toString(16),
  );
}
