/**
 * @module
 * The revision this deployment serves, and the statement that records it in
 * `privacy_revisions` the first time it is used, so every consent refers to a
 * text the database holds in full.
 */

import { insertRevisionStatement } from "../db/privacy-revisions.ts";
import { STATEMENT } from "../generated/privacy-statement.ts";

export const CURRENT = STATEMENT;

export function recordCurrentRevision(db: D1Database, now: string) {
  const { revision, sha256, title, markdown, html, text, bannerTexts } = STATEMENT;
  return insertRevisionStatement(db, { revision, sha256, title, markdown, html, text, bannerTexts }, now);
}
