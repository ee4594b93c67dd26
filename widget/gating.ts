/**
 * @module
 * Script and iframe gating, in vanilla-cookieconsent's markup so sites can
 * migrate without rewriting tags:
 *
 *   <script type="text/plain" data-category="analytics" src="/a.js"></script>
 *   <script type="text/plain" data-category="analytics" data-src="/b.js" data-type="module"></script>
 *   <script type="text/plain" data-category="!targeting">contextualAds()</script>
 *   <iframe data-category="functionality" data-src="/map.html"></iframe>
 *
 * A browser never runs a `text/plain` script, so nothing runs before consent
 * (PECR reg. 6; ICO). Once allowed, each tag is replaced by a live copy with
 * its other attributes (nonce, async, defer, ...) kept: once, in document
 * order, waiting for each external script unless it is `async`.
 */
import { CATEGORY_IDS, type Choices } from "../shared/categories.ts";

const SCRIPT_SELECTOR = 'script[type="text/plain"][data-category]';
const FRAME_SELECTOR = "iframe[data-category][data-src]";
const GATED_SELECTOR = `${SCRIPT_SELECTOR},${FRAME_SELECTOR}`;

/** `analytics` runs while analytics is granted; `!targeting` while targeting is not. */
export function categoryAllows(value: string | undefined, choices: Choices): boolean {
  const trimmed = (value ?? "").trim();
  const negated = trimmed.startsWith("!");
  const id = negated ? trimmed.slice(1) : trimmed;
  if (!(CATEGORY_IDS as readonly string[]).includes(id)) return false;
  return choices[id as keyof Choices] !== negated;
}

/** Replaces a gated tag by a script the browser runs; resolves once it has run (or failed). */
function activate(tag: HTMLScriptElement): Promise<void> {
  const script = document.createElement("script");
  for (const { name, value } of Array.from(tag.attributes)) {
    if (name !== "type" && name !== "data-type" && name !== "data-src") script.setAttribute(name, value);
  }
  // Browsers hide a CSP nonce from getAttribute once parsed (HTML §2.6.4 "nonce"): copy the property.
  if (tag.nonce) script.nonce = tag.nonce;
  const type = tag.getAttribute("data-type");
  if (type) script.type = type;
  const src = tag.getAttribute("data-src") ?? tag.getAttribute("src");
  let ran = Promise.resolve();
  if (src) {
    // Inserted scripts are async by default; keep document order unless the site asked for async.
    script.async = tag.hasAttribute("async");
    if (!script.async) {
      ran = new Promise((resolve) => {
        script.addEventListener("load", () => resolve());
        script.addEventListener("error", () => resolve());
      });
    }
    script.src = src;
  } else {
    script.text = tag.text;
  }
  tag.replaceWith(script);
  return ran;
}

export interface Gate {
  /** Runs what the choices allow; a later call with more granted runs the rest. */
  apply(choices: Choices): Promise<void>;
  stop(): void;
}

export function createGate(root: Document = document): Gate {
  let choices: Choices | null = null;
  let queue = Promise.resolve();

  function run(): Promise<void> {
    const current = choices;
    if (!current) return queue;
    queue = queue.then(async () => {
      for (const element of Array.from(root.querySelectorAll<HTMLElement>(GATED_SELECTOR))) {
        if (!element.isConnected || !categoryAllows(element.dataset.category, current)) continue;
        try {
          if (element instanceof HTMLIFrameElement) {
            const src = element.getAttribute("data-src") ?? "";
            element.removeAttribute("data-src");
            element.src = src;
          } else {
            await activate(element as HTMLScriptElement);
          }
        } catch {
          // One broken tag must not stop the others, nor the host page.
        }
      }
    });
    return queue;
  }

  // Tags added after the first choice is applied (tag managers, client-side rendering) are gated
  // the same way; before it nothing may run, and apply() scans the whole page anyway, so the
  // observer starts with it. Our own replacements trigger it too; they no longer match, so that
  // second pass finds nothing to do.
  let observer: MutationObserver | null = null;
  let stopped = false;

  return {
    apply(next) {
      choices = { ...next };
      if (!observer && !stopped) {
        observer = new MutationObserver(() => void run());
        observer.observe(root.documentElement, { childList: true, subtree: true });
      }
      return run();
    },
    stop() {
      stopped = true;
      observer?.disconnect();
    },
  };
}
