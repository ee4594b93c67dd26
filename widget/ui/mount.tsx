/**
 * @module
 * Puts the UI in an open shadow root on its own element, first in `<body>`
 * (so keyboard users reach the banner first, and again after the page
 * replaces its body), styled only by constructable
 * stylesheets: host CSS cannot reach in, ours cannot leak out, and a strict
 * CSP (`style-src` without 'unsafe-inline') has nothing to block.
 *
 * Start-up is kept to what a first visit shows: the banner is plain DOM with
 * its own small stylesheet. Preact renders the preferences dialog, and the
 * dialog's stylesheet is parsed, only when the dialog first opens.
 */
// biome-ignore lint/correctness/noUnusedImports: h is the classic JSX factory (vite.config.ts): the JSX below compiles to h() calls
import { h, render } from "preact";
import type { WidgetConfig } from "../config.ts";
import type { Controller } from "../controller.ts";
import bannerCss from "./banner.css?inline";
import { createBanner, createReopenButton } from "./banner.ts";
import dialogCss from "./dialog.css?inline";
import { el } from "./dom.ts";
import { Preferences } from "./preferences.tsx";

export const HOST_TAG = "opencontact-consent";

function adoptStyles(shadow: ShadowRoot, css: string): void {
  try {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(css);
    shadow.adoptedStyleSheets = [...shadow.adoptedStyleSheets, sheet];
  } catch {
    // No constructable stylesheets (very old browsers): unstyled, but every control still works.
  }
}

export function mount(controller: Controller, config: WidgetConfig): HTMLElement {
  const host = document.createElement(HOST_TAG);
  const shadow = host.attachShadow({ mode: "open" });
  adoptStyles(shadow, bannerCss);
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
  let reopen: HTMLElement | null = null;
  /** Where Preact renders the dialog; created, with its styles, on first open. */
  let dialogLayer: HTMLElement | null = null;

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
    banner = place(banner, view.banner, () =>
      createBanner(messages, config.privacyUrl, {
        acceptAll: () => void controller.api.acceptAll(),
        rejectAll: () => void controller.api.rejectAll(),
        manage: controller.showPreferences,
      }),
    );
    reopen = place(reopen, !view.banner && config.floatingButton, () =>
      createReopenButton(messages.reopen, controller.showPreferences),
    );
    if (view.preferences && !dialogLayer) {
      adoptStyles(shadow, dialogCss);
      dialogLayer = root.appendChild(document.createElement("div"));
    }
    if (dialogLayer) {
      render(
        view.preferences ? (
          <Preferences
            config={config}
            consent={view.consent}
            gpc={view.gpc}
            onChoose={controller.choose}
            onClose={controller.closePreferences}
          />
        ) : null,
        dialogLayer,
      );
    }
  };
  controller.subscribe(draw);
  draw();
  return host;
}
