/**
 * @module
 * Puts the UI in an open shadow root on its own element, first in `<body>`
 * (so keyboard users reach the banner first, and again after the page
 * replaces its body), styled only by constructable
 * stylesheets: host CSS cannot reach in, ours cannot leak out, and a strict
 * CSP (`style-src` without 'unsafe-inline') has nothing to block.
 *
 * The core draws only the re-open button. The banner and the preferences
 * dialog come from parts (widget/parts.ts) with their own styles: the banner's
 * is requested at start when there is no valid choice, the dialog's when the
 * banner is idle, when a way to the dialog is hovered or focused, or when the
 * dialog is asked for; it opens in the same task its part arrives in. A dialog
 * that cannot load leaves the banner working and its button saying so; the
 * next press tries again.
 */
import type { WidgetConfig } from "../config.ts";
import type { Controller } from "../controller.ts";
import type { BannerPart } from "../parts/banner.ts";
import type { DialogPart } from "../parts/dialog.tsx";
import { loadPart, partNow, prefetchPart, shareWithParts } from "../parts.ts";
import { createReopenButton } from "./banner.ts";
import baseCss from "./base.css?inline";
import { button, el, svg } from "./dom.ts";

export const HOST_TAG = "opencontact-consent";
export const BANNER_PART = "banner";
export const DIALOG_PART = "dialog";
/** What the dialog's buttons say after its part failed to load (not yet a translatable message). */
export const DIALOG_FAILED = "Could not load. Try again";
/** Longest wait for an idle moment before the dialog's part is fetched anyway. */
const IDLE_PREFETCH_MS = 3000;

// The banner's part builds its elements with the core's helpers. Shared as the core runs: the part
// is requested at start and may arrive before the body exists, before mount().
shareWithParts("dom", { el, button, svg });

export function mount(controller: Controller, config: WidgetConfig): HTMLElement {
  const host = document.createElement(HOST_TAG);
  const shadow = host.attachShadow({ mode: "open" });
  const adopted = new Set<string>();
  const adopt = (css: string) => {
    if (adopted.has(css)) return;
    adopted.add(css);
    try {
      const sheet = new CSSStyleSheet();
      sheet.replaceSync(css);
      shadow.adoptedStyleSheets = [...shadow.adoptedStyleSheets, sheet];
    } catch {
      // No constructable stylesheets (very old browsers): unstyled, but every control still works.
    }
  };
  adopt(baseCss);
  const { messages } = config.texts;
  const root = el("div", { class: "root", lang: config.language, "data-theme": config.theme });
  shadow.append(root);
  document.body.prepend(host);
  // Pages that replace <body> (Turbo Drive, some routers) or empty it would take the widget with
  // them: put the same host, shadow root and state included, back first in the new body.
  new MutationObserver(() => {
    if (!host.isConnected && document.body) document.body.prepend(host);
  }).observe(document, { childList: true, subtree: true });

  let banner: HTMLElement | null = null;
  let manage: Element | null = null;
  let reopen: HTMLElement | null = null;
  /** Where the dialog's part renders; created, with its styles, on first open. */
  let dialogLayer: HTMLElement | null = null;
  let dialogFailed = false;
  let bannerRetryMs = 1000;
  const waiting = new Set<string>();
  const prefetchDialog = () => prefetchPart(DIALOG_PART);
  /** A way to the dialog: hovering or focusing it fetches the dialog's part. */
  const opensDialog = (element: Element | null) => {
    element?.addEventListener("pointerover", prefetchDialog);
    element?.addEventListener("focus", prefetchDialog);
    return element;
  };

  /** The part if it has arrived; else undefined, and `draw` runs again once it does. */
  const part = <T,>(name: string): T | undefined => {
    const here = partNow<T>(name);
    if (!here && !waiting.has(name)) {
      waiting.add(name);
      loadPart(name)
        .then(draw, () => {
          // Without its part there is no banner: try again, less and less often.
          if (name === BANNER_PART) {
            bannerRetryMs *= 2;
            setTimeout(draw, bannerRetryMs);
          } else if (controller.view().preferences) {
            dialogFailed = true;
            controller.closePreferences();
          }
        })
        .finally(() => waiting.delete(name));
    }
    return here;
  };

  /**
   * Shows `element` (made by `create` the first time) first in the root, or removes it. Only
   * inserted when not already shown: moving an element would take focus from its buttons. The
   * banner and the re-open button are never shown together, so each takes the first place, before
   * the dialog: the order Tab follows.
   */
  const place = (element: HTMLElement | null, shown: boolean, create: () => HTMLElement) => {
    if (!shown) {
      element?.remove();
      return element;
    }
    const shownElement = element ?? create();
    if (!shownElement.isConnected) root.prepend(shownElement);
    return shownElement;
  };

  /** Makes the shadow root show what the controller says; called again on every change. */
  const draw = () => {
    const view = controller.view();
    const bannerPart = view.banner ? part<BannerPart>(BANNER_PART) : undefined;
    banner = place(banner, !!bannerPart, () => {
      const { css, create } = bannerPart as BannerPart;
      adopt(css);
      const section = create(messages, config.privacyUrl, {
        acceptAll: () => void controller.api.acceptAll(),
        rejectAll: () => void controller.api.rejectAll(),
        manage: controller.showPreferences,
      });
      manage = opensDialog(section.querySelector('[data-occ-action="manage"]'));
      if (typeof requestIdleCallback === "function") requestIdleCallback(prefetchDialog, { timeout: IDLE_PREFETCH_MS });
      else setTimeout(prefetchDialog, IDLE_PREFETCH_MS);
      return section;
    });
    reopen = place(
      reopen,
      !view.banner && config.floatingButton,
      () => opensDialog(createReopenButton(messages.reopen, controller.showPreferences)) as HTMLElement,
    );
    const dialog = view.preferences || dialogLayer ? part<DialogPart>(DIALOG_PART) : undefined;
    // However the part came (a press, or a prefetch on hover), once it is here the buttons say what they open.
    if (dialog) dialogFailed = false;
    if (manage) manage.textContent = dialogFailed ? DIALOG_FAILED : messages.manage;
    reopen?.setAttribute("aria-label", dialogFailed ? DIALOG_FAILED : messages.reopen);
    if (dialog) {
      if (!dialogLayer) {
        adopt(dialog.css);
        dialogLayer = root.appendChild(document.createElement("div"));
      }
      dialog.render(
        dialogLayer,
        view.preferences
          ? {
              config,
              consent: view.consent,
              gpc: view.gpc,
              onChoose: controller.choose,
              onClose: controller.closePreferences,
            }
          : null,
      );
    }
  };
  controller.subscribe(draw);
  draw();
  return host;
}
