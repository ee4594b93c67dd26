/**
 * @module
 * Google Consent Mode v2, for sites that use gtag.js or a GTM dataLayer:
 * `consent default` (all denied, `wait_for_update`) at start and
 * `consent update` on every choice. Sites without either get nothing.
 * The default must come before any command that sends measurement data
 * (https://developers.google.com/tag-platform/security/guides/consent), so
 * the widget says so (through the `diagnostics` part) when the page's Google
 * tag was set up first.
 */
import type { Choices } from "../shared/categories.ts";
import { diagnose, whenParsed } from "./config.ts";

type Gtag = (...args: unknown[]) => void;

/** A dataLayer entry as far as the order check reads it: a gtag command, or a Tag Manager event. */
type DataLayerItem = { 0?: unknown; event?: unknown } | null | undefined;

interface GtagWindow {
  gtag?: Gtag;
  dataLayer?: unknown[];
}

/** Milliseconds Google tags wait for the update before firing with the defaults. */
const WAIT_FOR_UPDATE_MS = 500;

function gtag(): Gtag | null {
  const page = window as unknown as GtagWindow;
  if (typeof page.gtag === "function") return page.gtag;
  const dataLayer = page.dataLayer;
  if (!Array.isArray(dataLayer)) return null;
  // gtag.js only recognises commands pushed as an `arguments` object, never a plain array.
  return function (this: unknown) {
    // biome-ignore lint/complexity/noArguments: gtag.js requires the arguments object itself
    dataLayer.push(arguments);
  };
}

export function consentModeState(choices: Choices | null) {
  const state = (granted: boolean | undefined) => (granted ? "granted" : "denied");
  return {
    analytics_storage: state(choices?.analytics),
    ad_storage: state(choices?.targeting),
    ad_user_data: state(choices?.targeting),
    ad_personalization: state(choices?.targeting),
    functionality_storage: state(choices?.functionality),
    personalization_storage: state(choices?.functionality),
    security_storage: "granted",
  };
}

/**
 * A gtag `config` or `event` command (an `arguments` object or an array), or
 * any Tag Manager event (`{ event: "gtm.js" }` included: the container fires
 * its page-view tags on it): each reads consent before the default exists.
 */
function measures(entry: DataLayerItem): boolean {
  return entry?.[0] === "config" || entry?.[0] === "event" || typeof entry?.event === "string";
}

export function consentModeDefault(): void {
  const push = gtag();
  if (!push) {
    // Loaded without defer before the page made its dataLayer: the default would never reach Google's tag.
    whenParsed(() => gtag() && diagnose("dataLayer"));
    return;
  }
  if ((window as GtagWindow).dataLayer?.some(measures as (item: unknown) => boolean)) {
    diagnose("order");
  }
  push("consent", "default", { ...consentModeState(null), wait_for_update: WAIT_FOR_UPDATE_MS });
}

export function consentModeUpdate(choices: Choices): void {
  gtag()?.("consent", "update", consentModeState(choices));
}
