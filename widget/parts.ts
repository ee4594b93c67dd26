/**
 * @module
 * The part loader: what the core fetches only when a page needs it.
 *
 * Contract (the build, vite.config.ts, keeps the other half):
 * - A part is one entry module in the build's list `{ name, entry }`; its
 *   default export is the part's value (a language pack's is its JSON object).
 *   Language packs are listed by themselves: `lang-<tag>` for each
 *   `widget/lang/packs/<tag>.json`.
 * - The build bundles each part on its own as
 *   a script that calls `__occPart(name, value)`, the global the core defines
 *   here, and writes it under a content-hashed name, `parts/<name>.<hash>.js`
 *   (`<hash>`: the first ten letters and digits of its SRI digest),
 *   beside both copies of the core (`/` and `/v/<version>/`).
 * - Code a part shares with the core is not bundled twice: the build's
 *   `SHARED_WITH_PARTS` turns a part's import of such a module into a read of
 *   `__occPart.s[<name>]`, which the core fills with `shareWithParts(name,
 *   module)`. Types (messages, the controller's) cost nothing either way.
 * - The core holds each part's SRI hash (`__OCC_PARTS__`, baked in at build:
 *   sha256, the shortest SRI digest, since every part costs the core its hash)
 *   and derives the part's file name from it (`partFile`), so a core pinned
 *   with `integrity` only ever runs parts of its own build, from the folder it
 *   was loaded from.
 * - `loadPart(name)` loads a part once (concurrent calls share the load) and
 *   loads it afresh on the next call after a failure; `prefetchPart(name)`
 *   starts it without waiting or failing; `partNow(name)` is the part if it
 *   has already arrived, so a part in hand is used within the same task.
 * - Unit tests (happy-dom runs no fetched script) register parts directly with
 *   `definePart(name, value)`, the function the global calls.
 */
import { warn } from "./config.ts";
import { partFile } from "./part-file.ts";

/** Part name -> its SRI hash (`sha256-…`); absent when not built (unit tests). */
declare const __OCC_PARTS__: Record<string, string>;

declare global {
  interface Window {
    /** Called by each part's script as it runs; `s`: the core's modules shared with parts. */
    __occPart?: typeof definePart & { s: Record<string, object> };
  }
}

const parts: Record<string, unknown> = {};
const shared: Record<string, object> = {};
const loads: Record<string, Promise<unknown> | undefined> = {};
const warned: Record<string, boolean> = {};
let base = location.href;
let scriptNonce: string | undefined;

/** Where parts come from: beside the core's own script (its `src`), with the core's CSP nonce, if any. */
export function configureParts(coreUrl: string | undefined, nonce: string | undefined): void {
  if (coreUrl) base = coreUrl;
  scriptNonce = nonce;
}

export function definePart(name: string, value: unknown): void {
  parts[name] = value;
}
window.__occPart = Object.assign(definePart, { s: shared });

/** Lets parts use the core's copy of `module` (a name in the build's SHARED_WITH_PARTS). */
export function shareWithParts(name: string, module: object): void {
  shared[name] = module;
}

export function partNow<T>(name: string): T | undefined {
  return parts[name] as T | undefined;
}

/** `priority`: "low" for a part fetched ahead of need (prefetchPart), which must not compete with the page's own. */
export function loadPart<T>(name: string, priority: "high" | "low" = "high"): Promise<T> {
  if (name in parts) return Promise.resolve(parts[name] as T);
  loads[name] ??= new Promise<unknown>((resolve, reject) => {
    const integrity = (typeof __OCC_PARTS__ === "object" && __OCC_PARTS__[name]) || "";
    const file = partFile(name, integrity);
    const script = document.createElement("script");
    const fail = () => {
      script.remove();
      loads[name] = undefined;
      if (!warned[name]) warn(`${file} not loaded`, "it retries; serve parts/ beside consent.js");
      warned[name] = true;
      reject(new Error(name));
    };
    script.onload = () => (name in parts ? resolve(parts[name]) : fail());
    script.onerror = fail;
    script.src = new URL(file, base).href;
    script.integrity = integrity;
    script.crossOrigin = "anonymous";
    // A part is wanted now (a banner, a dialog, a choice waits for it), not after the page's images.
    script.fetchPriority = priority;
    if (scriptNonce) script.nonce = scriptNonce;
    document.head.append(script);
  });
  return loads[name] as Promise<T>;
}

export function prefetchPart(name: string): void {
  loadPart(name, "low").catch(() => {});
}
