/**
 * @module
 * The revision this deployment serves: its statement and cookie declaration,
 * the statement that records it in `privacy_revisions` the first time it is
 * used (so every consent refers to texts the database holds in full), and
 * the caching every page of a revision shares (RFC 9110/9111: the ETag is
 * the revision id).
 */

import type { Context } from "hono";
import type { Declaration } from "../../shared/declaration-schema.ts";
import type { RulesAnswer } from "../../shared/rules.ts";
import { findRevision, insertRevisionStatement, type PrivacyRevision } from "../db/privacy-revisions.ts";
import { STATEMENT } from "../generated/privacy-statement.ts";
import type { AppEnv } from "../types.ts";
import { rulesOfRequest, rulesSettings } from "./rules.ts";

export const CURRENT = STATEMENT;

/** Checked against the schema at build (scripts/build-generated.ts). */
export const CURRENT_DECLARATION: Declaration = JSON.parse(STATEMENT.declaration);

/** The current revision's pages may change with a deploy; an earlier revision's never do. */
export const CURRENT_CACHE = "public, max-age=300, must-revalidate";
export const REVISION_CACHE = "public, max-age=31536000, immutable";

export function recordCurrentRevision(db: D1Database, now: string) {
  const { revision, sha256, title, markdown, html, text, bannerTexts, declaration } = STATEMENT;
  return insertRevisionStatement(db, { revision, sha256, title, markdown, html, text, bannerTexts, declaration }, now);
}

/**
 * The current revision's record, written the first time it is served. Its
 * texts are in the bundle, so a database outage only costs the date.
 */
export async function currentRecord(db: D1Database): Promise<PrivacyRevision | null> {
  try {
    const existing = await findRevision(db, CURRENT.revision);
    if (existing) return existing;
    await recordCurrentRevision(db, new Date().toISOString()).run();
    return await findRevision(db, CURRENT.revision);
  } catch {
    console.error("privacy revision lookup failed; serving the revision without its date");
    return null;
  }
}

/** RFC 9110 §13.1.2: If-None-Match matches any listed tag (weak comparison) or `*`. */
function notModified(c: Context<AppEnv>, etag: string): boolean {
  const header = c.req.header("If-None-Match");
  if (!header) return false;
  return header.split(",").some((tag) => {
    const trimmed = tag.trim();
    return trimmed === "*" || trimmed.replace(/^W\//, "") === etag;
  });
}

/** Sets the revision's ETag and cache policy; the 304 to send when the client's copy is current. */
export function revisionCacheHeaders(c: Context<AppEnv>, revision: string, cacheControl: string): Response | null {
  const etag = `"${revision}"`;
  c.header("ETag", etag);
  c.header("Cache-Control", cacheControl);
  return notModified(c, etag) ? c.body(null, 304) : null;
}

/** A current page that may vary by reader: no shared cache may keep it then. */
const PER_READER_CACHE = CURRENT_CACHE.replace("public", "private");

/**
 * For a current page (`/privacy`, `/cookies`): the reader's rules when the site uses the UK
 * exception (the page then says which applies, and is cached per reader, its ETag naming the rule
 * set), and the cache headers, or the 304 to answer with.
 */
export function currentPageRules(c: Context<AppEnv>): { rules?: RulesAnswer; notModified: Response | null } {
  const rules = rulesSettings(c.env).ukException.length > 0 ? rulesOfRequest(c.req.raw, c.env) : undefined;
  const notModified = rules
    ? revisionCacheHeaders(c, `${CURRENT.revision}-${rules.ruleSet}`, PER_READER_CACHE)
    : revisionCacheHeaders(c, CURRENT.revision, CURRENT_CACHE);
  return { rules, notModified };
}
