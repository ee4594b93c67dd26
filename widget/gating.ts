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
 * `data-category="necessary"` runs at once, and the site's own category names
 * map onto ours through the JSON block's `categoryAliases`. A tag that cannot
 * work as written (unknown category, a script or iframe that already ran, a
 * script without the widget's nonce) gets one console warning instead of
 * failing silently, worded by the `diagnostics` part. An iframe whose category is off shows a placeholder
 * (the `placeholder` part, loaded only then) with a button to allow it.
 */
import type { CategoryId, Choices } from "../shared/categories.ts";
import { diagnose, GATE_CATEGORIES, type GateCategory, type WidgetConfig } from "./config.ts";
import type { TagProblem } from "./parts/diagnostics.ts";
import type { PlaceholderPart } from "./parts/placeholder.ts";
import { loadPart } from "./parts.ts";

/** Every tag a site may gate; `[data-category]` alone would also match a shop's `<div data-category="shoes">`. */
const TAGGED_SELECTOR = "script[data-category],iframe[data-category]";

/**
 * Whether a `data-category` value lets its tag run, once the site's aliases are applied
 * (`marketing` -> targeting, `!marketing` -> !targeting; case ignored, as alias keys are
 * lower-case): `necessary` at once; `analytics` while analytics is granted; `!targeting` once a
 * choice (`choices`, null before any) leaves targeting off. Undefined when it names no category.
 */
export function categoryAllows(
  value: string | undefined,
  choices: Choices | null,
  aliases: Record<string, GateCategory> = {},
): boolean | undefined {
  const name = (value ?? "").trim().toLowerCase();
  const negated = name.startsWith("!");
  const bare = negated ? name.slice(1) : name;
  // Checked again after the lookup: an alias may be misconfigured, or name an Object.prototype key.
  const id: unknown = GATE_CATEGORIES.includes(bare) ? bare : aliases[bare];
  if (!GATE_CATEGORIES.includes(id as string)) return undefined;
  if (id === "necessary") return !negated;
  return !!choices && choices[id as CategoryId] !== negated;
}

/** Replaces a gated tag by a script the browser runs; resolves once it has run (or failed). */
function activate(tag: HTMLScriptElement, handled: WeakSet<Element>): Promise<unknown> {
  const script = document.createElement("script");
  handled.add(script);
  // `data-type` (module, say) becomes the live script's type, in place of `text/plain`.
  for (const { name, value } of tag.attributes) {
    if (name !== "type" && name !== "data-src") script.setAttribute(name === "data-type" ? "type" : name, value);
  }
  // Browsers hide a CSP nonce from getAttribute once parsed (HTML §2.6.4 "nonce"): copy the property.
  if (tag.nonce) script.nonce = tag.nonce;
  const src = tag.getAttribute("data-src") ?? tag.getAttribute("src");
  let ran: Promise<unknown> = Promise.resolve();
  if (src) {
    // Inserted scripts are async by default; keep document order unless the site asked for async.
    script.async = tag.hasAttribute("async");
    if (!script.async) {
      ran = new Promise((resolve) => {
        script.addEventListener("load", resolve);
        script.addEventListener("error", resolve);
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

/** What the gate needs from the site's configuration. */
export type GateOptions = Partial<
  Pick<WidgetConfig, "categoryAliases" | "nonce" | "texts" | "textsLoaded" | "language" | "dir" | "theme">
>;

/**
 * Starts gating at once: `necessary` tags run, misconfigured tags are reported, and tags added
 * later (tag managers, client-side rendering, a new `<body>`) are handled the same way. Optional
 * categories wait for apply().
 */
export function createGate(options: GateOptions = {}): Gate {
  const { categoryAliases: aliases = {}, nonce } = options;
  let choices: Choices | null = null;
  let queue = Promise.resolve();
  let pending = false;
  /** Tags reported once already, and our own live copies (they keep `data-category`). */
  const handled = new WeakSet<Element>();
  /** Iframes given a placeholder (or whose part is on its way). */
  const covered = new WeakSet<Element>();

  /** Why a tag is skipped for good (the diagnostics part words it), or undefined when it is gated normally. */
  function problemOf(element: HTMLElement): TagProblem | undefined {
    if (categoryAllows(element.dataset.category, null, aliases) === undefined) return "category";
    if (element instanceof HTMLIFrameElement) {
      return element.hasAttribute("src") && !element.hasAttribute("data-src") ? "src" : undefined;
    }
    // MIME types ignore case, as browsers do when they decline to run `TEXT/PLAIN`.
    if ((element as HTMLScriptElement).type.toLowerCase() !== "text/plain") return "type";
    // Under 'strict-dynamic' whatever our trusted script inserts runs: only tags the site nonced
    // itself, as it did ours, may be turned into live scripts, or injected markup would run too.
    if (nonce && (element as HTMLScriptElement).nonce !== nonce) return "nonce";
  }

  async function pass(): Promise<void> {
    pending = false;
    // A static NodeList: replacing tags while walking it is safe.
    for (const element of document.querySelectorAll<HTMLElement>(TAGGED_SELECTOR)) {
      if (handled.has(element) || !element.isConnected) continue;
      try {
        const problem = problemOf(element);
        if (problem) {
          handled.add(element);
          diagnose("tag", element, problem, aliases);
          continue;
        }
        const frame = element instanceof HTMLIFrameElement && element;
        if (!categoryAllows(element.dataset.category, choices, aliases)) {
          // A frame waiting for consent gets a placeholder: the part that draws it loads only now.
          // Read now, not at start: index.ts sets textsLoaded after creating the gate.
          if (frame && !covered.has(frame)) {
            covered.add(frame);
            Promise.all([loadPart<PlaceholderPart>("placeholder"), options.textsLoaded])
              .then(([cover]) => cover(frame, options))
              .catch(() => covered.delete(frame));
          }
          continue;
        }
        if (frame) {
          const src = frame.getAttribute("data-src");
          if (src === null) continue;
          handled.add(frame);
          frame.removeAttribute("data-src");
          frame.src = src;
        } else {
          await activate(element as HTMLScriptElement, handled);
        }
      } catch {
        // One broken tag must not stop the others, nor the host page.
      }
    }
  }

  /** Queues one pass over the page (a pass not yet started already sees the latest choices). */
  function run(): Promise<void> {
    if (!pending) {
      pending = true;
      queue = queue.then(pass);
    }
    return queue;
  }

  // The whole document, not only <body>: pages that replace <body> (Turbo Drive, some routers)
  // bring new tags with it. Our own replacements trigger it too; they are handled, so that
  // second pass finds nothing to do.
  const observer = new MutationObserver(() => void run());
  observer.observe(document, { childList: true, subtree: true });
  void run();

  return {
    apply(next) {
      choices = { ...next };
      return run();
    },
    stop() {
      observer.disconnect();
    },
  };
}
