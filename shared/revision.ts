/**
 * @module
 * The privacy revision: one id for everything a visitor is told, the privacy
 * statement, the banner's own texts and the cookie declaration together
 * (a change to any of them asks visitors again). CNIL 2020-092 suggests a
 * timestamped hash of each version; the worker stores the full text under
 * this id so any consent can be shown beside exactly what was seen.
 */
import { CATEGORIES } from "./categories.ts";
import type { Messages } from "./messages.ts";

/** Hex characters kept from the SHA-256 for the revision id (64 bits). */
export const REVISION_LENGTH = 16;

export const REVISION_PATTERN = /^[0-9a-f]{16}$/;

/** What the banner itself tells the visitor, in a stable JSON shape. */
export function bannerTexts(messages: Messages) {
  return { categories: CATEGORIES, messages };
}

/**
 * Canonical bytes of a revision; key order is fixed by construction. The
 * declaration is its canonical JSON (`canonicalDeclaration()`), kept as a
 * string so the hash can be recomputed from the stored column; revisions
 * from before the declaration (`null`) keep the shape they were hashed in.
 */
export function revisionSource(statementMarkdown: string, messages: Messages, declaration: string | null): string {
  const statement = { statement: statementMarkdown, banner: bannerTexts(messages) };
  return JSON.stringify(declaration === null ? statement : { ...statement, declaration });
}

export async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((byte) => byte.toString(16).padStart(2, "0")).join("");
}

/** Full digest and the short id derived from it. */
export async function computeRevision(statementMarkdown: string, messages: Messages, declaration: string | null) {
  const sha256 = await sha256Hex(revisionSource(statementMarkdown, messages, declaration));
  return { revision: sha256.slice(0, REVISION_LENGTH), sha256 };
}
