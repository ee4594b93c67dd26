/**
 * @module
 * Widget entry: the one script a site embeds. Guards against a second copy,
 * reads its own tag, starts Consent Mode, gating and the log client, exposes
 * `window.OpenContactConsent`, says where its parts are, loads the language
 * pack shown (if not the core's en-GB) and mounts the UI. Gating and Consent
 * Mode never wait for the pack; the banner does, so it never changes language
 * in front of the visitor. Nothing here may throw into the host page.
 */
import { CONSENT_PATH } from "../shared/api.ts";
import { REVISION, WIDGET_VERSION } from "../shared/generated/build-info.ts";
import { findOwnScript, readConfig, type WidgetConfig, warn } from "./config.ts";
import { consentModeDefault } from "./consent-mode.ts";
import { createController } from "./controller.ts";
import { createGate } from "./gating.ts";
import type { LanguagePack } from "./lang/check.ts";
import { CORE_LANGUAGE } from "./lang/choose.ts";
import { createLogClient } from "./log-client.ts";
import type { FetchSitePack } from "./parts/site-pack.ts";
import { configureParts, loadPart } from "./parts.ts";
import { resolveTexts } from "./texts.ts";
import { mount } from "./ui/mount.tsx";

const BOOTED = "__openContactConsentBooted";
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
  const logClient = createLogClient({ endpoint: `${config.apiOrigin}${CONSENT_PATH}` });
  const controller = createController({
    config,
    revision: REVISION,
    version: WIDGET_VERSION,
    logClient,
    gate: createGate(config),
  });
  page.OpenContactConsent = controller.api;
  // Events a failed post left behind: retry once the page is idle (reading the outbox is a
  // synchronous localStorage access, kept out of the task that shows the banner), and whenever
  // the browser is back online. Only a browser that has chosen before can have any: on a first
  // visit the outbox is not touched until the visitor's first choice, and that choice's send()
  // delivers, in order, anything an earlier page left (say, after the cookie was cleared).
  const flush = () => void logClient.flush();
  if (controller.choseBefore) {
    if (typeof requestIdleCallback === "function") requestIdleCallback(flush, { timeout: IDLE_FLUSH_MS });
    else setTimeout(flush, 0);
  }
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
    if (!document.body) return document.addEventListener("DOMContentLoaded", show, { once: true });
    try {
      mount(controller, config);
    } catch (error) {
      console.error(error);
    }
  };
  // The core's own texts need no load: the banner shows in this task, as before. Embeds'
  // placeholders wait for the pack too (gating.ts), so they never change language either.
  if (config.fromPack) config.textsLoaded = loadLanguage(config).then(show);
  else show();
}

try {
  boot(document.currentScript);
} catch (error) {
  console.error(error);
}
