/**
 * @module
 * Puts the UI in an open shadow root on its own element, first in `<body>`
 * (so keyboard users reach the banner first), styled only by a constructable
 * stylesheet: host CSS cannot reach in, ours cannot leak out, and a strict
 * CSP (`style-src` without 'unsafe-inline') has nothing to block.
 */
import { render } from "preact";
import type { WidgetConfig } from "../config.ts";
import type { Controller } from "../controller.ts";
import { App } from "./app.tsx";
import css from "./styles.css?inline";

export const HOST_TAG = "opencontact-consent";

export function mount(controller: Controller, config: WidgetConfig): HTMLElement {
  const host = document.createElement(HOST_TAG);
  const shadow = host.attachShadow({ mode: "open" });
  try {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(css);
    shadow.adoptedStyleSheets = [sheet];
  } catch {
    // No constructable stylesheets (very old browsers): unstyled, but every control still works.
  }
  document.body.prepend(host);
  const draw = () => render(<App controller={controller} config={config} />, shadow);
  controller.subscribe(draw);
  draw();
  return host;
}
