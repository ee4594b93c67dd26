/**
 * @module
 * A gated iframe's placeholder: which service it is, which category it
 * needs, a button that allows that category (a logged custom choice through
 * the public API, the other categories unchanged) and one that opens the
 * preferences. The iframe stays where it is with its size and no `src`; the
 * placeholder lies over its box from a zero-size, out-of-flow host inserted
 * before it, so nothing on the page moves (no layout shift), and lives in a
 * shadow root with a constructed stylesheet (strict CSPs allow both; no
 * `srcdoc`, no style attribute). It goes when the gate loads the frame.
 */
import { CATEGORY_IDS, type CategoryId } from "../../shared/categories.ts";
// Types only: importing gating.ts would bundle parts.ts, whose global would reset the core's parts.
import type { GateOptions } from "../gating.ts";
import css from "./placeholder.css?inline";

const PLACEHOLDER_TAG = "opencontact-embed";

let sheet: CSSStyleSheet | undefined;

/**
 * Covers `frame`, still gated, with its placeholder, given the gate's options (aliases and the
 * texts in force). Nothing for a frame that waits for no single category (`!targeting`).
 */
export function coverFrame(frame: HTMLIFrameElement, { categoryAliases, texts }: GateOptions): void {
  // The category it waits for, aliases applied as the gate does (`!targeting` waits for none).
  const name = (frame.dataset.category ?? "").trim().toLowerCase();
  const id: unknown = categoryAliases?.[name] ?? name;
  const category = CATEGORY_IDS.includes(id as CategoryId) ? (id as CategoryId) : undefined;
  // The frame may also have been allowed, or removed, while this part loaded.
  if (!category || !texts || !frame.isConnected || !frame.hasAttribute("data-src")) return;
  const { messages, categories } = texts;
  const categoryName = categories.find((entry) => entry.id === category)?.name ?? category;
  let service = frame.dataset.service;
  try {
    service ||= new URL(frame.getAttribute("data-src") ?? "", location.href).hostname;
  } catch {
    service ||= frame.title;
  }
  const fill = (text: string) => text.replace("{service}", service ?? "").replace("{category}", categoryName);

  const host = document.createElement(PLACEHOLDER_TAG);
  // Out of flow and sized nothing: the host itself never moves the page (CSSOM, which CSPs allow).
  host.style.cssText = "all:initial;position:absolute;display:block";
  const shadow = host.attachShadow({ mode: "open" });
  try {
    if (!sheet) {
      sheet = new CSSStyleSheet();
      sheet.replaceSync(css);
    }
    shadow.adoptedStyleSheets = [sheet];
  } catch {
    // No constructable stylesheets: unstyled, but both buttons still work.
  }
  const box = document.createElement("div");
  box.setAttribute("role", "group");
  box.setAttribute("aria-label", service);
  const text = document.createElement("p");
  text.textContent = fill(messages.embedText);
  const allow = document.createElement("button");
  allow.type = "button";
  allow.textContent = fill(messages.embedAllow);
  allow.onclick = () => {
    const api = window.OpenContactConsent;
    void api?.set({ ...api.get()?.choices, [category]: true });
  };
  const settings = document.createElement("button");
  settings.type = "button";
  settings.className = "link";
  settings.textContent = messages.reopen;
  settings.onclick = () => window.OpenContactConsent?.showPreferences();
  box.append(text, allow, settings);
  shadow.append(box);
  frame.before(host);
  // The gate loads the frame by taking its data-src: the placeholder goes with it.
  new MutationObserver(() => frame.hasAttribute("data-src") || host.remove()).observe(frame, {
    attributeFilter: ["data-src"],
  });

  // Over the frame's border box, wherever the frame's own styles put it (block, inline, centred).
  const place = () => {
    if (!host.isConnected) return observer.disconnect();
    const at = host.getBoundingClientRect();
    const { left, top, width, height } = frame.getBoundingClientRect();
    Object.assign(box.style, {
      left: `${left - at.left}px`,
      top: `${top - at.top}px`,
      width: `${width}px`,
      height: `${height}px`,
    });
  };
  const observer = new ResizeObserver(place);
  observer.observe(frame);
  observer.observe(document.documentElement);
  place();
}
