/**
 * @module
 * A site's own language pack (`data-language-pack`): fetched without cookies
 * and checked by the build's rules (widget/lang/check.ts). A part, so the
 * check's code reaches only pages that name a site pack (cached like every
 * part, so only a first visit pays its round trip).
 */
import { type LanguagePack, packProblems } from "../lang/check.ts";

/** Longest wait for a site's pack before the language the visitor would have had without it is shown. */
const SITE_PACK_MS = 5000;

/** `tag`'s complete pack from `url`; else throws the first problem. */
export type FetchSitePack = (url: string, tag: string) => Promise<LanguagePack>;

export default (async (url, tag) => {
  const response = await fetch(url, { credentials: "omit", signal: AbortSignal.timeout(SITE_PACK_MS) });
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  const pack = await response.json();
  const problem = packProblems(pack, tag)[0];
  if (problem) throw new Error(problem);
  return pack;
}) satisfies FetchSitePack;
