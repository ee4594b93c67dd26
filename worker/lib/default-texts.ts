/**
 * @module
 * The hash of a revision's own banner texts. The widget hashes the texts it
 * showed as `JSON.stringify({ categories, messages })`, which is exactly the
 * `banner_texts` a revision stores (shared/revision.ts `bannerTexts`): a
 * `textsHash` equal to it names texts the log holds already, never wanted.
 */
import { sha256Hex } from "../../shared/revision.ts";

/** Per isolate: revisions are few and their texts never change. */
const known = new Map<string, Promise<string>>();

export function defaultTextsHash(revision: string, bannerTexts: string): Promise<string> {
  let hash = known.get(revision);
  if (!hash) {
    hash = sha256Hex(bannerTexts);
    known.set(revision, hash);
  }
  return hash;
}
