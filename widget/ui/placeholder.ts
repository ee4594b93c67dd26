/**
 * @module
 * A gated iframe's placeholder: which service it is, which category it
 * needs, a button that allows that category and one that opens the
 * preferences. The iframe stays where it is with its size and no `src`; the
 * placeholder lies over its box from a zero-size, out-of-flow host inserted
 * before it, so nothing on the page moves (no layout shift), and lives in a
 * shadow root styled only by constructed stylesheets (strict CSPs allow them;
 * no `srcdoc`, no style attribute). The frame is inert meanwhile, so Tab goes
 * from the placeholder's buttons to the page, not into an empty frame. The
 * placeholder goes when the gate loads the frame, however it was allowed
 * (here, the banner, the dialog or the API). A later withdrawal does not
 * bring it back: the frame has run, so the page reloads (`reloadOnWithdraw`,
 * the default) or, when a site turned that off, the frame stays, as every
 * gated tag does.
 */
import { CATEGORY_IDS, type CategoryId, NO_CONSENT } from "../../shared/categories.ts";
import { EMBED_SERVICES } from "../../shared/generated/embed-services.ts";
import { PLACEHOLDER_MESSAGES } from "../../shared/messages.ts";
// Types only: importing gating.ts would bundle parts.ts, whose global would reset the core's parts.
import type { Controller } from "../controller.ts";
import type { GateOptions } from "../gating.ts";
import css from "./placeholder.css?inline";

export const PLACEHOLDER_TAG = "opencontact-embed";

let sheet: CSSStyleSheet | undefined;

/**
 * The one way a placeholder grants consent: a custom choice with `category` on and every other
 * category as it is, logged like any choice. `press` is the click or key press that asked, kept
 * for the log's source and `isTrusted` (issue 13). A second press, or one after the category was
 * allowed elsewhere, records nothing.
 */
export function allowFromPlaceholder(category: CategoryId, press: Event): Promise<void> | undefined {
  // The core's controller (shared with parts): the public API could not say where the choice came from.
  const controller = window.__occPart?.s.controller as Controller | undefined;
  const choices = controller?.view().consent?.choices;
  if (!controller || choices?.[category]) return;
  return controller.choose("custom", { ...NO_CONSENT, ...choices, [category]: true }, "placeholder", press);
}

/** The service's name: `data-service`, else the declared service of the frame's host, else the host. */
function serviceName(frame: HTMLIFrameElement, category: CategoryId): string {
  try {
    const { hostname } = new URL(frame.getAttribute("data-src") ?? "", location.href);
    return frame.dataset.service || EMBED_SERVICES[category][hostname] || hostname;
  } catch {
    return frame.dataset.service || frame.title;
  }
}

/**
 * Covers `frame`, still gated, with its placeholder, in the texts and theme in force (`options`:
 * the gate's). Nothing for a frame that waits for no single category (`!targeting`).
 */
export function coverFrame(frame: HTMLIFrameElement, options: GateOptions): void {
  const { categoryAliases, texts, language, dir = "ltr", theme = "auto" } = options;
  // The category it waits for, aliases applied as the gate does (`!targeting` waits for none).
  const name = (frame.dataset.category ?? "").trim().toLowerCase();
  const id: unknown = categoryAliases?.[name] ?? name;
  const category = CATEGORY_IDS.includes(id as CategoryId) ? (id as CategoryId) : undefined;
  // The frame may also have been allowed, or removed, while this part loaded.
  if (!category || !texts || !frame.isConnected || !frame.hasAttribute("data-src")) return;
  const { messages } = texts;
  const values: Record<string, string> = {
    service: serviceName(frame, category),
    category: texts.categories.find((entry) => entry.id === category)?.name ?? category,
  };
  // A function, so a `$` in a service's name is not read as a replacement pattern.
  const fill = (text: string) => text.replace(/\{(service|category)\}/g, (_, key: string) => values[key] ?? "");

  const host = document.createElement(PLACEHOLDER_TAG);
  const shadow = host.attachShadow({ mode: "open" });
  /** Where the box lies: rewritten as the frame moves or resizes (a sheet, not a style attribute). */
  let at: CSSStyleSheet | undefined;
  try {
    if (!sheet) {
      sheet = new CSSStyleSheet();
      sheet.replaceSync(css);
    }
    at = new CSSStyleSheet();
    shadow.adoptedStyleSheets = [sheet, at];
  } catch {
    // No constructable stylesheets (very old browsers): unstyled, but both buttons still work.
  }
  const box = document.createElement("div");
  box.className = "root";
  box.setAttribute("role", "group");
  box.setAttribute("aria-label", values.service as string);
  if (language) box.lang = language;
  box.dir = dir;
  box.dataset.theme = theme;
  const text = document.createElement("p");
  text.textContent = fill(messages.embedText || PLACEHOLDER_MESSAGES.embedText);
  const allow = document.createElement("button");
  allow.type = "button";
  allow.textContent = fill(messages.embedAllow || PLACEHOLDER_MESSAGES.embedAllow);
  allow.addEventListener("click", (event) => void allowFromPlaceholder(category, event));
  const settings = document.createElement("button");
  settings.type = "button";
  settings.className = "link";
  settings.textContent = messages.reopen;
  settings.addEventListener("click", () => window.OpenContactConsent?.showPreferences());
  const actions = document.createElement("div");
  actions.className = "actions";
  actions.append(allow, settings);
  box.append(text, actions);
  shadow.append(box);
  frame.before(host);
  // An empty frame under the placeholder is no place for keyboard or screen-reader users to land.
  const wasInert = frame.inert;
  frame.inert = true;

  const place = () => {
    if (!frame.isConnected) return uncover();
    const origin = host.getBoundingClientRect();
    const { left, top, width, height } = frame.getBoundingClientRect();
    at?.replaceSync(
      `.root{left:${left - origin.left}px;top:${top - origin.top}px;width:${width}px;height:${height}px}`,
    );
  };
  // Over the frame's border box, wherever the frame's own styles put it (block, inline, centred).
  const sizes = new ResizeObserver(place);
  sizes.observe(frame);
  sizes.observe(document.documentElement);
  // The gate loads the frame by taking its data-src: the placeholder goes with it.
  const loads = new MutationObserver(() => frame.hasAttribute("data-src") || uncover());
  loads.observe(frame, { attributeFilter: ["data-src"] });
  function uncover() {
    sizes.disconnect();
    loads.disconnect();
    const focused = document.activeElement === host;
    host.remove();
    frame.inert = wasInert;
    // A keyboard user who pressed Allow goes on in the frame, not at the top of the page.
    if (focused && frame.isConnected) frame.focus();
  }
  place();
}
