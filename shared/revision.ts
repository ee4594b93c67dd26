/**
 * @module
 * The privacy revision: one id for everything a visitor is told, the privacy
 * statement and the banner's own texts together. CNIL 2020-092 suggests a
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

/** Canonical bytes of a revision; key order is fixed by construction. */
export function revisionSource(statementMarkdown: string, messages: Messages): string {
  return JSON.stringify({ statement: statementMarkdown, banner: bannerTexts(messages) });
}

export async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((byte) => byte.toString(16).padStart(2, "0")).join("");
}

/** Full digest and the short id derived from it. */
export async function computeRevision(statementMarkdown: string, messages: Messages) {
  const sha256 = await sha256Hex(revisionSource(statementMarkdown, messages));
  return { revision: sha256.slice(0, REVISION_LENGTH), sha256 };
}
