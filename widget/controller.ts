/**
 * @module
 * The widget's one source of truth: reads the stored choice, applies a new
 * one (cookie, log, gating, Consent Mode, events, withdrawal) and tells the
 * UI what to show. The UI only renders this state and calls these methods,
 * and so does the public API. Each event says where the choice was made and
 * whether a person's action made it (issue 13, `source` and `trusted`), and,
 * on a site with rules by region, the rule set and each category's basis
 * (issue 14): under the UK rule, the exception's categories run once the
 * banner has been shown, unless the visitor objects (or their browser sends
 * Global Privacy Control, which counts as objecting to analytics).
 */
import type { CategoryId, Choices } from "../shared/categories.ts";
import { ALL_GRANTED, CATEGORY_IDS, NO_CONSENT } from "../shared/categories.ts";
import type { ConsentEvent } from "../shared/consent-schema.ts";
import { diagnose, type WidgetConfig } from "./config.ts";
import { consentModeUpdate } from "./consent-mode.ts";
import {
  type ChoiceAction,
  type ConsentRecord,
  encodeRecord,
  isCurrent,
  methodOf,
  newestRecord,
  newUuid,
} from "./consent-state.ts";
import type { Gate } from "./gating.ts";
import { enqueue } from "./outbox.ts";
import { shareWithParts } from "./parts.ts";
import { CONSENT_COOKIE, clearConsentCookie, deleteCookies, readCookies, writeConsentCookie } from "./storage.ts";
import { type Texts, textsHash } from "./texts.ts";
import {
  CONSENT_EVENT,
  type ConsentChange,
  type ConsentListener,
  type ConsentState,
  type OpenContactConsentApi,
} from "./types.ts";

/** Where a choice was made (issue 13's contract; the log stores it with the event). */
export type ChoiceSource = "banner" | "dialog" | "placeholder" | "api";

/** What issue 13 adds to a consent event (optional in shared/consent-schema.ts: an older widget sends none). */
interface Provenance {
  source?: ChoiceSource;
  trusted?: boolean;
  privacyUrl?: string;
}

export interface ControllerOptions {
  config: WidgetConfig;
  revision: string;
  version: string;
  /**
   * Posts the outbox (the `send` part): `event` is in it already unless `queued` is false
   * (localStorage blocked), and `texts` are what its `textsHash` hashed, sent if the log asks for
   * them. A `send` part that cannot load leaves the stored event for a later page.
   */
  deliver: (event: ConsentEvent, queued: boolean, texts: Texts) => Promise<void>;
  gate: Gate;
  now?: () => number;
  reload?: () => void;
}

export interface ViewState {
  /** The valid choice for this revision, or null. */
  consent: ConsentRecord | null;
  banner: boolean;
  preferences: boolean;
  /** Global Privacy Control signal from the browser (https://privacycg.github.io/gpc-spec/). */
  gpc: boolean;
}

export interface Controller {
  view(): ViewState;
  /** A well-formed consent cookie (any revision) was found at start: this browser has chosen before. */
  readonly choseBefore: boolean;
  subscribe(fn: () => void): () => void;
  /** Applies a valid stored choice at start and announces it. */
  start(): void;
  /**
   * Applies and logs a choice made at `source` (default "api"). `press`, the DOM event of the
   * press that made it, says whether a person did (`isTrusted`); without one (the JavaScript
   * API) the page's user activation does. The click-to-load placeholder calls this (through
   * `__occPart.s.controller`) with "placeholder" and its button's click event.
   */
  choose(action: ChoiceAction, choices: Choices, source?: ChoiceSource, press?: Event): Promise<void>;
  /** Objects to every category under the UK exception (the banner's Object button): method `object`. */
  object(source: ChoiceSource, press?: Event): Promise<void>;
  /**
   * The banner has been shown (painted) on this page: under the UK rule, the visitor is informed,
   * so the exception's categories may run, unless they chose before or their browser objects (GPC).
   */
  bannerShown(): void;
  showBanner(): void;
  showPreferences(): void;
  closePreferences(): void;
  api: OpenContactConsentApi;
}

function toState(record: ConsentRecord): ConsentState {
  return {
    consentId: record.consentId,
    revision: record.revision,
    time: new Date(record.time).toISOString(),
    choices: { ...record.choices },
  };
}

/**
 * The site's own privacy statement, absolute, for the log; undefined when the banner links the
 * log's own /privacy (the revision already says what that was) or the URL is longer than the log takes.
 */
function sitePrivacyUrl({ privacyUrl, apiOrigin }: WidgetConfig): string | undefined {
  const url = new URL(privacyUrl, location.href).href;
  if (url !== `${apiOrigin}/privacy` && url.length <= 2048) return url;
}

export function createController(options: ControllerOptions): Controller {
  const { config, revision, version, deliver, gate } = options;
  const now = options.now ?? Date.now;
  const reload = options.reload ?? (() => location.reload());
  const gpc = (navigator as { globalPrivacyControl?: boolean }).globalPrivacyControl === true;
  // Any well-formed cookie, even for an older revision: its consent id keeps the visitor's log history together.
  // Of several (one per cookie domain), the newest: document.cookie's order does not say which came last.
  let stored = newestRecord(readCookies(CONSENT_COOKIE), revision, now());
  let consent = isCurrent(stored, revision, now(), config.expiryDays) ? stored : null;
  let banner = !consent;
  let preferences = false;
  /** What gating and Consent Mode apply on this page: the valid choice, or the UK exception's defaults. */
  let applied: Choices | null = null;
  let refusalTold = false;
  const subscribers = new Set<() => void>();
  const listeners = new Set<ConsentListener>();
  const ownPrivacyUrl = sitePrivacyUrl(config);

  function notify() {
    try {
      for (const fn of subscribers) fn();
    } catch (error) {
      console.error(error);
    }
  }

  function announce(change: ConsentChange) {
    document.dispatchEvent(new CustomEvent(CONSENT_EVENT, { detail: change }));
    for (const listener of listeners) {
      try {
        listener(change);
      } catch (error) {
        console.error(error);
      }
    }
  }

  /** `keepBanner`: GPC's objection, recorded on its own, leaves the banner for the choices it does not answer. */
  async function choose(
    action: ChoiceAction,
    choices: Choices,
    source: ChoiceSource = "api",
    press?: Event,
    keepBanner = false,
  ): Promise<void> {
    const next = Object.fromEntries(CATEGORY_IDS.map((id) => [id, !!choices[id]])) as Choices;
    const previous = stored?.choices;
    const ran = applied;
    const record: ConsentRecord = {
      consentId: stored?.consentId ?? newUuid(),
      revision,
      time: Math.floor(now() / 1000) * 1000,
      choices: next,
    };
    const domainRefused = writeConsentCookie(encodeRecord(record), {
      domain: config.cookieDomain,
      maxAgeDays: config.expiryDays,
    });
    // Told once per page: every choice would be refused the same way.
    if (domainRefused && !refusalTold) {
      refusalTold = true;
      diagnose("cookie-domain", config.cookieDomain as string);
    }
    stored = consent = record;
    applied = next;
    banner &&= keepBanner;
    preferences = false;
    notify();

    const method = methodOf(action, previous, next);
    // Granted before (an earlier choice) or running on this page (the UK exception) and not any more.
    const withdrawn: CategoryId[] = CATEGORY_IDS.filter((id) => (previous?.[id] || ran?.[id]) && !next[id]);
    for (const id of withdrawn) deleteCookies(config.cookiePatterns[id], config.cookieDomain);
    consentModeUpdate(next);
    announce({ consent: toState(record), method });

    const event: ConsentEvent & Provenance = {
      eventId: newUuid(),
      consentId: record.consentId,
      method,
      choices: next,
      revision,
      // Origin and path only: a query string may carry personal data, and long URLs would be refused.
      pageUrl: `${location.origin}${location.pathname}`.slice(0, 2048),
      language: config.language,
      gpc,
      widgetVersion: version,
      source,
      // A page script calling the API inside a real click counts as the visitor's action; on its own, not.
      trusted: (press ? press.isTrusted : navigator.userActivation?.isActive) === true,
    };
    if (ownPrivacyUrl) event.privacyUrl = ownPrivacyUrl;
    if (config.rules) Object.assign(event, config.rules.claim(next));
    // Hashed as the choice is made, not at start: a language pack may replace the texts after that.
    const { texts } = config;
    const shownHash = texts.overridden && (await textsHash(texts));
    if (shownHash) event.textsHash = shownHash;
    // In the outbox before anything is awaited, so a reload or a part that never loads cannot lose
    // the event. The texts hashed go along, in case the log asks for them.
    const delivery = deliver(event, enqueue(event), texts);
    if (config.reloadOnWithdraw && withdrawn.some((id) => ran?.[id])) {
      // A script that already ran cannot be unloaded (issue 3, "Withdrawal").
      reload();
      return;
    }
    await gate.apply(next);
    await delivery;
  }

  const showBanner = () => {
    banner = true;
    notify();
  };
  const showPreferences = () => {
    preferences = true;
    notify();
  };

  /** Runs `choices` on this page before any choice is made on it: a stored one, or the UK exception's defaults. */
  const run = (choices: Choices) => {
    applied = choices;
    consentModeUpdate(choices);
    void gate.apply(choices);
  };

  /** The host page's code awaits these; they must never reject into it. */
  const quiet = (promise: Promise<void>) => promise.catch((error) => console.error(error));

  const controller: Controller = {
    view: () => ({ consent, banner, preferences, gpc }),
    choseBefore: stored !== null,
    subscribe(fn) {
      subscribers.add(fn);
      return () => subscribers.delete(fn);
    },
    start() {
      if (!consent) return;
      run(consent.choices);
      announce({ consent: toState(consent), method: null });
    },
    choose: (action, choices, source, press) => quiet(choose(action, choices, source, press)),
    object: (source, press) =>
      quiet(choose("object", config.rules?.objected(applied ?? NO_CONSENT) ?? NO_CONSENT, source, press)),
    bannerShown() {
      const defaults = config.rules?.defaults;
      if (consent || applied || !defaults) return;
      if (gpc && defaults.analytics) {
        // GPC is this visitor's objection: logged as one, and analytics never runs.
        // Never a person's action, even if the page happens to be inside a user activation: an
        // untrusted event says so (a click moments before would otherwise count as the press).
        void quiet(choose("object", { ...defaults, analytics: false }, "api", new Event("gpc"), true));
        return;
      }
      run(defaults);
    },
    showBanner,
    showPreferences,
    closePreferences() {
      preferences = false;
      notify();
    },
    api: {
      version,
      get: () => (consent ? toState(consent) : null),
      on: (_event, listener) => void listeners.add(listener),
      off: (_event, listener) => void listeners.delete(listener),
      showBanner,
      showPreferences,
      acceptAll: () => quiet(choose("accept_all", ALL_GRANTED)),
      rejectAll: () => quiet(choose("reject_all", NO_CONSENT)),
      set: (choices) => quiet(choose("custom", { ...NO_CONSENT, ...choices })),
      reset() {
        clearConsentCookie(config.cookieDomain);
        stored = consent = null;
        banner = true;
        preferences = false;
        notify();
      },
    },
  };
  // For the parts that make choices themselves (the click-to-load placeholder).
  shareWithParts("controller", controller);
  return controller;
}
