/**
 * @module
 * Every visible text of the widget, in English (UK). Sites may override any
 * entry; the defaults are part of the privacy revision (see `revision.ts`),
 * because what a visitor was told must be provable (COMPLIANCE.md, item 13).
 */

export const DEFAULT_MESSAGES = {
  bannerLabel: "Cookie choices",
  bannerTitle: "Your cookie choices",
  bannerText:
    "OpenContact Services Limited uses strictly necessary cookies to run this website. With your consent we would also use analytical or performance, functionality and targeting cookies. Nothing optional is set unless you allow it, and you can withdraw consent at any time.",
  acceptAll: "Accept all",
  rejectAll: "Reject all",
  manage: "Manage preferences",
  privacyLink: "Privacy statement",
  dialogTitle: "Cookie preferences",
  dialogText:
    "Choose which optional cookies OpenContact Services Limited may use. You can change or withdraw your choice at any time from the Cookie settings link or button on every page.",
  necessaryName: "Strictly necessary cookies",
  necessaryDescription:
    "These are needed for the website to work and to remember your cookie choice. They cannot be switched off.",
  alwaysOn: "Always on",
  save: "Save choices",
  close: "Close",
  consentIdLabel: "Your consent id",
  lastChoiceLabel: "Last choice",
  receiptDownload: "Download your consent receipt",
  gpcHonoured:
    "Your browser sent a Global Privacy Control signal, so targeting cookies stay off unless you turn them on.",
  reopen: "Cookie settings",
  loadFailed: "Could not load. Try again",
  declarationSummary: "Services and cookies",
  itemName: "Name",
  itemPurpose: "Purpose",
  itemDuration: "Duration",
} as const;

export type MessageKey = keyof typeof DEFAULT_MESSAGES;
export type Messages = Record<MessageKey, string>;

/** Names of the placeholder part's messages (PLACEHOLDER_MESSAGES). */
const PLACEHOLDER_KEYS = ["embedText", "embedAllow"] as const;
/** Names of the rules part's messages (RULES_MESSAGES). */
const RULES_KEYS = [
  "ukBannerText",
  "ukNotice",
  "ukFunctionalityNotice",
  "ukGpcNotice",
  "object",
  "regionEea",
  "regionUk",
  "regionOther",
  "rulesUk",
  "rulesEea",
  "basisConsent",
  "basisNotObjected",
  "basisObjected",
] as const;
/** Names of the messages whose defaults live in a part (PLACEHOLDER_MESSAGES, RULES_MESSAGES), not in DEFAULT_MESSAGES. */
export const PART_MESSAGE_KEYS = [...PLACEHOLDER_KEYS, ...RULES_KEYS] as const;
export type PartMessageKey = (typeof PART_MESSAGE_KEYS)[number];
export type PartMessages = Record<PartMessageKey, string>;

/**
 * The texts of a gated iframe's placeholder (widget/ui/placeholder.ts). Only
 * the placeholder part imports them, so their bytes never ship with the
 * core; the core knows their names (PART_MESSAGE_KEYS), so the JSON block and
 * a language pack word them like any other message. `{service}` and
 * `{category}` are filled in.
 */
export const PLACEHOLDER_MESSAGES = {
  embedText: "{service} loads only once you allow this category: {category}.",
  embedAllow: "Allow {category}",
} as const satisfies Pick<PartMessages, (typeof PLACEHOLDER_KEYS)[number]>;

/**
 * Rules by region (issue 14, shared/rules.ts): what the banner tells a UK visitor under PECR
 * Schedule A1 (what is measured, why, with which services, that it is on unless they object, and
 * that objecting is free), and how the dialog names the rule and each category's basis. Only the
 * `rules` part imports them; the core loads it only for a site with `data-rules="by-region"`.
 * They are part of the revision like every other default text. `{services}` is filled in with
 * the declared services of the category (content/cookies.json).
 */
export const RULES_MESSAGES = {
  ukBannerText:
    "OpenContact Services Limited uses strictly necessary cookies to run this website. Except as explained below, optional cookies are set only if you allow them, and you can withdraw consent at any time.",
  ukNotice:
    "We also use analytical cookies to count visits and see how this website is used, so that we can improve it ({services}). The statistics are aggregate only: never used to track you or for advertising. They are on unless you object; objecting is free and you can do it at any time.",
  ukFunctionalityNotice:
    "Functionality cookies remember the appearance or features you choose ({services}). They are on unless you object.",
  ukGpcNotice:
    "Your browser sent a Global Privacy Control signal. We take it as your objection, so we do not measure your visits.",
  object: "Object to measurement",
  regionEea: "We place you in the EEA (or could not tell where you are).",
  regionUk: "We place you in the UK.",
  regionOther: "We place you outside the UK and the EEA.",
  rulesUk:
    "UK rules apply to you: the cookies marked below are used unless you object; every other optional cookie needs your consent.",
  rulesEea: "EEA rules apply to you: every optional cookie needs your consent.",
  basisConsent: "Only with your consent",
  basisNotObjected: "On unless you object",
  basisObjected: "Off: you objected",
} as const satisfies Pick<PartMessages, (typeof RULES_KEYS)[number]>;

/**
 * Every message a site or a language pack may word: the core's, then the parts', in the order
 * the texts hash lists them (widget/texts.ts, scripts/language-packs.ts). Marked pure, so a part
 * that needs only PLACEHOLDER_MESSAGES does not bundle the core's table with it.
 */
export const MESSAGE_KEYS: readonly (MessageKey | PartMessageKey)[] = /* @__PURE__ */ (
  Object.keys(DEFAULT_MESSAGES) as (MessageKey | PartMessageKey)[]
).concat(PART_MESSAGE_KEYS);
