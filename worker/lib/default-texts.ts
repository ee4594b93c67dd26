/**
 * @module
 * The hash a widget sends when it showed a revision's own texts. The widget
 * hashes the texts it showed as `JSON.stringify({ categories, messages })`,
 * the shape of the `banner_texts` a revision stores (shared/revision.ts
 * `bannerTexts`), with one difference: a part's messages (the click-to-load
 * placeholder's) ship with their part, so the core leaves them out unless a
 * site or a language pack worded them. A `textsHash` equal to this names
 * texts the log holds already (the revision's), never wanted.
 */
import { PART_MESSAGE_KEYS } from "../../shared/messages.ts";
import { sha256Hex } from "../../shared/revision.ts";

/** Per isolate: revisions are few and their texts never change. */
const known = new Map<string, Promise<string>>();

export function defaultTextsHash(revision: string, bannerTexts: string): Promise<string> {
  let hash = known.get(revision);
  if (!hash) {
    const texts = JSON.parse(bannerTexts) as { messages: Record<string, string> };
    for (const key of PART_MESSAGE_KEYS) delete texts.messages[key];
    hash = sha256Hex(JSON.stringify(texts));
    known.set(revision, hash);
  }
  return hash;
}
