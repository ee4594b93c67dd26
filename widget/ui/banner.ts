/**
 * @module
 * The first layer: a labelled region that never takes focus or blocks the
 * page (no cookie wall, EDPB 05/2020), with Reject all beside Accept all in
 * the same style (ICO; CNIL 2020-092) and a link to the privacy statement.
 * Also the round button that brings the choices back after the banner has
 * gone (GDPR Art. 7(3): withdrawing as easy as giving).
 *
 * `data-occ` and `data-occ-action` are stable hooks (docs/privacy-tools.md,
 * "Stable hooks"): privacy tools' rules find the banner and its buttons by them, so
 * they never change with texts, classes or layout.
 */
import type { Messages } from "../../shared/messages.ts";
import { button, el, svg } from "./dom.ts";

/** The choices get the press's click event: its `isTrusted` tells a person's press from a script's. */
export interface BannerActions {
  acceptAll: (press?: Event) => void;
  rejectAll: (press?: Event) => void;
  manage: () => void;
}

export function createBanner(messages: Messages, privacyUrl: string, actions: BannerActions): HTMLElement {
  return el(
    "section",
    { class: "banner", "aria-label": messages.bannerLabel, "data-occ": "banner" },
    el("h2", {}, messages.bannerTitle),
    el("p", {}, `${messages.bannerText} `, el("a", { href: privacyUrl }, messages.privacyLink)),
    el(
      "div",
      { class: "actions" },
      button({ class: "btn", "data-occ-action": "reject-all" }, messages.rejectAll, actions.rejectAll),
      button({ class: "btn", "data-occ-action": "accept-all" }, messages.acceptAll, actions.acceptAll),
      button({ class: "btn", "aria-haspopup": "dialog", "data-occ-action": "manage" }, messages.manage, actions.manage),
    ),
  );
}

/** A cookie with two bites, drawn in currentColor. */
const COOKIE_PATH =
  "M12 2a10 10 0 1 0 10 10 3.5 3.5 0 0 1-4.5-4A3.5 3.5 0 0 1 13 3.3 1.5 1.5 0 0 0 12 2Zm-4 7a1.5 1.5 0 1 1 0 3 1.5 1.5 0 0 1 0-3Zm6 5a1.5 1.5 0 1 1 0 3 1.5 1.5 0 0 1 0-3Zm-6 1.5a1 1 0 1 1 0 2 1 1 0 0 1 0-2Z";

export function createReopenButton(label: string, onPress: () => void): HTMLElement {
  const icon = svg(
    "svg",
    { viewBox: "0 0 24 24", width: "20", height: "20", "aria-hidden": "true" },
    svg("path", { d: COOKIE_PATH }),
  );
  return button(
    { class: "reopen", "aria-label": label, "aria-haspopup": "dialog", "data-occ-action": "reopen" },
    icon,
    onPress,
  );
}
