/**
 * @module
 * Widget entry: the one script a site embeds. Guards against a second copy,
 * reads its own tag, starts Consent Mode and gating, exposes
 * `window.OpenContactConsent`, says where its parts are, loads the language
 * pack shown (if not the core's en-GB) and, on a site with rules by region,
 * the rule that applies to the visitor (widget/rules.ts), and mounts the UI. Gating and Consent
 * Mode never wait for the pack; the banner does, so it never changes language
 * in front of the visitor. Posting consent events is the `send` part's,
 * loaded after a choice or when the outbox holds events from an earlier page.
 * Nothing here may throw into the host page.
 */
import { CONSENT_PATH } from "../shared/api.ts";
import { REVISION, WIDGET_VERSION } from "../shared/generated/build-info.ts";
import { findOwnScript, readConfig, type WidgetConfig, warn } from "./config.ts";
import { consentModeDefault } from "./consent-mode.ts";
import { createController } from "./controller.ts";
import { createGate } from "./gating.ts";
import type { LanguagePack } from "./lang/check.ts";
import { CORE_LANGUAGE } from "./lang/choose.ts";
import type { CreateLogClient, LogClient } from "./log-client.ts";
import { outboxWaiting } from "./outbox.ts";
import type { FetchSitePack } from "./parts/site-pack.ts";
import { configureParts, loadPart } from "./parts.ts";
import { loadRules } from "./rules.ts";
import { resolveTexts } from "./texts.ts";
import { mount } from "./ui/mount.ts";

const BOOTED = "__openContactConsentBooted";
const SEND_PART = "send";
/** Longest wait for an idle moment before the start-up retry of the outbox runs anyway. */
const IDLE_FLUSH_MS = 2000;

/**
 * Puts the chosen pack's texts (the JSON block's on top) and direction into `config`: the site's
 * pack, else the built part. A pack that cannot be had leaves the next best language.
 */
async function loadLanguage(config: WidgetConfig): Promise<void> {
  let pack: LanguagePack | undefined;
  if (config.packUrl) {
    try {
      pack = await (await loadPart<FetchSitePack>("site-pack"))(config.packUrl, config.language);
    } catch (error) {
      warn(`data-language-pack="${config.packUrl}" ignored`, (error as Error).message);
      config.language = config.fallbackLanguage;
    }
  }
  // A built pack that fails to load is reported by loadPart; the visitor then reads en-GB.
  if (!pack && config.language !== CORE_LANGUAGE) {
    pack = await loadPart<LanguagePack>(`lang-${config.language}`).catch(() => undefined);
    if (!pack) config.language = CORE_LANGUAGE;
  }
  if (pack) {
    config.dir = pack.dir;
    config.texts = resolveTexts(config.overrides, pack);
  }
}

function boot(script: Element | null): void {
  const page = window as Window & { [BOOTED]?: boolean };
  // A second copy of the script on the page does nothing.
  if (page[BOOTED] || page.OpenContactConsent) return;
  page[BOOTED] = true;
  const ownScript = findOwnScript(script);
  const config = readConfig(ownScript);
  configureParts(ownScript?.src, config.nonce);
  consentModeDefault();
  const endpoint = `${config.apiOrigin}${CONSENT_PATH}`;
  let client: Promise<LogClient> | undefined;
  /**
   * Uses the log client, from the `send` part, made once. A send part that cannot load leaves the
   * events in the outbox for the next try or page, and is loaded again then.
   */
  const withClient = (use: (loaded: LogClient) => Promise<void>) => {
    client ??= loadPart<CreateLogClient>(SEND_PART).then((create) => create({ endpoint }));
    return client.then(use, () => {
      client = undefined;
    });
  };
  const controller = createController({
    config,
    revision: REVISION,
    version: WIDGET_VERSION,
    deliver: (event, queued, texts) => withClient((loaded) => loaded.send(event, texts, queued)),
    gate: createGate(config),
  });
  // With rules by region, a visitor who has not chosen is shown the banner of their rule (issue
  // 14): asked for as soon as that is known, beside the pack. A returning visitor's page asks only
  // if the dialog opens.
  const rules = config.rulesByRegion && !controller.view().consent && loadRules(config, controller.view().gpc);
  page.OpenContactConsent = controller.api;
  // Events a failed post left behind: retry once the page is idle (reading the outbox is a
  // synchronous localStorage access, kept out of the task that shows the banner), and whenever
  // the browser is back online. Only a browser that has chosen before can have any: on a first
  // visit the outbox is not touched until the visitor's first choice, and that choice's send()
  // delivers, in order, anything an earlier page left (say, after the cookie was cleared). An
  // empty outbox loads no part.
  const flush = () => void ((client || outboxWaiting()) && withClient((loaded) => loaded.flush()));
  // Safari has no requestIdleCallback: setTimeout reads the options as no delay.
  if (controller.choseBefore) (window.requestIdleCallback ?? setTimeout)(flush, { timeout: IDLE_FLUSH_MS });
  addEventListener("online", flush);
  controller.start();
  // Any element with data-consent-open is a way back to the choices (GDPR Art. 7(3)).
  document.addEventListener("click", (event) => {
    const target = event.target as Element | null;
    if (target?.closest?.("[data-consent-open]")) {
      event.preventDefault();
      controller.showPreferences();
    }
  });
  const show = () => {
    if (!document.body) return document.addEventListener("DOMContentLoaded", show);
    try {
      mount(controller, config);
    } catch (error) {
      console.error(error);
    }
  };
  // The core's own texts need no load: the banner shows in this task, as before. Embeds'
  // placeholders wait for the pack too (gating.ts), so they never change language either.
  if (config.fromPack) config.textsLoaded = loadLanguage(config);
  if (rules || config.textsLoaded) void Promise.all([config.textsLoaded, rules]).then(show);
  else show();
}

try {
  boot(document.currentScript);
} catch (error) {
  console.error(error);
}
