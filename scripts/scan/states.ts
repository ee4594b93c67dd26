/**
 * @module
 * The consent states a scan visits, each in a fresh profile, and how a state
 * is chosen on the page: through this widget's stable hooks and API, or
 * through another banner's Accept and Reject buttons given as selectors.
 */
import type { Page } from "playwright-core";
import { CATEGORY_IDS, type CategoryId } from "../../shared/categories.ts";
import type { DeclarationCategory } from "./declaration.ts";

export type StateId = "no-choice" | "reject-all" | `${CategoryId}-only` | "accept-all";

export interface ScanState {
  id: StateId;
  label: string;
  /** What may be set in this state: strictly necessary, plus the categories granted. */
  allowed: DeclarationCategory[];
  /** True when nothing optional was granted (before a choice, after Reject all). */
  refused: boolean;
}

const NO_CHOICE: ScanState = { id: "no-choice", label: "No choice yet", allowed: ["necessary"], refused: true };
const REJECT_ALL: ScanState = { id: "reject-all", label: "Reject all", allowed: ["necessary"], refused: true };
const ACCEPT_ALL: ScanState = {
  id: "accept-all",
  label: "Accept all",
  allowed: ["necessary", ...CATEGORY_IDS],
  refused: false,
};

/** Every state, in the order a report lists them ("first seen in" counts in this order). */
export const WIDGET_STATES: readonly ScanState[] = [
  NO_CHOICE,
  REJECT_ALL,
  ...CATEGORY_IDS.map(
    (category): ScanState => ({
      id: `${category}-only`,
      label: `${category[0]?.toUpperCase()}${category.slice(1)} only`,
      allowed: ["necessary", category],
      refused: false,
    }),
  ),
  ACCEPT_ALL,
];

/** Another banner offers no per-category API: only its two buttons. */
export const SELECTOR_STATES: readonly ScanState[] = [NO_CHOICE, REJECT_ALL, ACCEPT_ALL];

export interface Banner {
  /** Says what is missing when the banner does not show within `timeout` ms, else null. */
  find(page: Page, timeout: number): Promise<string | null>;
  choose(page: Page, state: ScanState): Promise<void>;
}

const WIDGET_BUTTON = (action: "reject-all" | "accept-all") =>
  `opencontact-consent button[data-occ-action="${action}"]`;

/** This widget: its banner's buttons for Reject all and Accept all, `OpenContactConsent.set` for one category. */
export const WIDGET_BANNER: Banner = {
  async find(page, timeout) {
    try {
      // Playwright's CSS engine pierces the widget's open shadow root.
      await page.locator(WIDGET_BUTTON("reject-all")).first().waitFor({ state: "visible", timeout });
      return null;
    } catch {
      return `no OpenContact Consent banner (<opencontact-consent> with button[data-occ-action=reject-all]) appeared within ${timeout / 1000} s; for another banner give --accept and --reject selectors`;
    }
  },
  async choose(page, state) {
    if (state.id === "reject-all" || state.id === "accept-all") {
      await page.locator(WIDGET_BUTTON(state.id)).first().click();
    } else {
      const grant = Object.fromEntries(
        state.allowed.filter((category) => category !== "necessary").map((c) => [c, true]),
      );
      await page.evaluate((choices) => window.OpenContactConsent?.set(choices), grant);
    }
    await page.waitForFunction(() => window.OpenContactConsent?.get() != null);
  },
};

/** Another banner, driven by the site owner's selectors for its two buttons. */
export function selectorBanner(selectors: { accept: string; reject: string }): Banner {
  return {
    async find(page, timeout) {
      try {
        await page.locator(selectors.reject).first().waitFor({ state: "visible", timeout });
        return null;
      } catch {
        return `no visible element matches --reject "${selectors.reject}" within ${timeout / 1000} s`;
      }
    },
    async choose(page, state) {
      await page
        .locator(state.id === "accept-all" ? selectors.accept : selectors.reject)
        .first()
        .click();
    },
  };
}
