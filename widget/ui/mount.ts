/**
 * @module
 * Puts the UI in an open shadow root on its own element, first in `<body>`
 * (so keyboard users reach the banner first, and again after the page
 * replaces its body), styled only by constructable
 * stylesheets: host CSS cannot reach in, ours cannot leak out, and a strict
 * CSP (`style-src` without 'unsafe-inline') has nothing to block.
 *
 * The banner and the re-open button are plain DOM drawn by the core; the
 * banner's styles are parsed only when it shows. The preferences dialog is a
 * part (widget/parts.ts): fetched when a way to the dialog is hovered, touched
 * or focused, or when the dialog is asked for, and, while the banner shows,
 * once the page has loaded and the browser is idle, unless the visitor saves
 * data or is on a slow connection (its 3.5 KB would compete with the page's own
 * and most visitors never open it); opened in the same task its part arrives
 * in. A dialog that cannot load leaves the banner working and its buttons
 * saying so; the next press tries again.
 */
import { ALL_GRANTED, CATEGORY_IDS, NO_CONSENT } from "../../shared/categories.ts";
import type { WidgetConfig } from "../config.ts";
import type { Controller } from "../controller.ts";
import type { DialogPart } from "../parts/dialog.ts";
import { loadPart, partNow, prefetchPart, shareWithParts } from "../parts.ts";
import { loadRules } from "../rules.ts";
import bannerCss from "./banner.css?inline";
import { createBanner, createReopenButton } from "./banner.ts";
import baseCss from "./base.css?inline";
import { button, el } from "./dom.ts";

export const HOST_TAG = "opencontact-consent";
export const DIALOG_PART = "dialog";

// The parts (the dialog, the site pack check) take these from the core instead of a copy of their
// own (vite.config.ts SHARED_WITH_PARTS): the category constants and, for the dialog, the element
// builders, in one object (one name costs the core less than one per module). Shared as the core
// runs, before any part can.
shareWithParts("core", { ALL_GRANTED, CATEGORY_IDS, NO_CONSENT, el, button });

/**
 * Runs `prefetch` once the page has loaded and the browser is idle, so Manage preferences opens the
 * dialog within a frame (a fetch at the click takes about twice as long on a slow phone,
 * docs/widget-delivery.md). Not for a visitor who asked to save data or is on a 2G or 3G connection.
 */
function prefetchWhenIdle(prefetch: () => unknown): void {
  const connection = (navigator as { connection?: { saveData?: boolean; effectiveType?: string } }).connection;
  if (connection?.saveData || /2g|3g/.test(connection?.effectiveType ?? "")) return;
  // Safari has no requestIdleCallback: a timer after load is its idle enough.
  const whenIdle = () => (window.requestIdleCallback ?? setTimeout)(prefetch);
  if (document.readyState === "complete") whenIdle();
  else addEventListener("load", whenIdle, { once: true });
}

export function mount(controller: Controller, config: WidgetConfig): HTMLElement {
  const host = document.createElement(HOST_TAG);
  const shadow = host.attachShadow({ mode: "open" });
  const adopt = (css: string) => {
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
  const root = el("div", { class: "root", lang: config.language, dir: config.dir, "data-theme": config.theme });
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
  let dialogLoading = false;
  let dialogFailed = false;
  const prefetchDialog = () => prefetchPart(DIALOG_PART);
  /** A way to the dialog: hovering or focusing it fetches the dialog's part. */
  const opensDialog = <E extends Element>(element: E) => {
    element.addEventListener("pointerover", prefetchDialog);
    element.addEventListener("focus", prefetchDialog);
    return element;
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

  /** The dialog's part if it has arrived; else undefined, and `draw` runs again once it does (or says it failed). */
  const dialogPart = () => {
    // The dialog names the rule that applies: a returning visitor's page asks for it only now.
    if (config.rulesByRegion && !config.rules) {
      void loadRules(config, controller.view().gpc).then(draw);
      return;
    }
    const here = partNow<DialogPart>(DIALOG_PART);
    if (!here && !dialogLoading) {
      dialogLoading = true;
      loadPart(DIALOG_PART)
        .then(draw, () => {
          if (!controller.view().preferences) return;
          dialogFailed = true;
          controller.closePreferences();
        })
        .finally(() => {
          dialogLoading = false;
        });
    }
    return here;
  };

  /**
   * The banner's styles, parsed once the banner shows; the dialog's build on them (choices.css), so
   * its first opening on a page whose banner never showed (a returning visit) adopts them first.
   */
  const adoptBannerStyles = () => banner || adopt(bannerCss);

  /** Makes the shadow root show what the controller says; called again on every change. */
  const draw = () => {
    const view = controller.view();
    banner = place(banner, view.banner, () => {
      adoptBannerStyles();
      const section = createBanner(messages, config.privacyUrl, {
        acceptAll: (press) => void controller.choose("accept_all", ALL_GRANTED, "banner", press),
        rejectAll: (press) => void controller.choose("reject_all", NO_CONSENT, "banner", press),
        manage: controller.showPreferences,
      });
      config.rules?.decorate(section, (press) => void controller.object("banner", press));
      manage = opensDialog(section.querySelector('[data-occ-action="manage"]') as Element);
      // Painted and visible: under the UK rule the visitor is now informed (issue 14). Not while
      // a privacy tool hides it (autoconsent's prehiding: opacity 0) or the site does: it answers
      // for the visitor, who never read it.
      const whenSeen = () =>
        requestAnimationFrame(() => {
          if (!section.isConnected) return;
          // Looked at again a little later, not every frame: a site may hide it for good.
          if (section.checkVisibility?.({ opacityProperty: true, visibilityProperty: true }) === false)
            setTimeout(whenSeen, 250);
          else setTimeout(controller.bannerShown);
        });
      // Only the UK rule has anything to start then (widget/parts/rules.ts `defaults`).
      if (config.rules?.defaults) whenSeen();
      // Not for a visitor who has already answered it by then.
      prefetchWhenIdle(() => section.isConnected && prefetchDialog());
      return section;
    });
    reopen = place(reopen, !view.banner && config.floatingButton, () =>
      opensDialog(createReopenButton(messages.reopen, controller.showPreferences)),
    );
    const dialog = view.preferences || dialogLayer ? dialogPart() : undefined;
    // However the part came (a press, or a prefetch on hover), once it is here the buttons say what they open.
    if (dialog) dialogFailed = false;
    if (manage) manage.textContent = dialogFailed ? messages.loadFailed : messages.manage;
    reopen?.setAttribute("aria-label", dialogFailed ? messages.loadFailed : messages.reopen);
    if (dialog) {
      if (!dialogLayer) {
        adoptBannerStyles();
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
