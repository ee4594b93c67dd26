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

/** Names of the messages whose defaults live in a part (PLACEHOLDER_MESSAGES), not in DEFAULT_MESSAGES. */
export const PART_MESSAGE_KEYS = ["embedText", "embedAllow"] as const;
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
} as const satisfies PartMessages;

/**
 * Every message a site or a language pack may word: the core's, then the parts', in the order
 * the texts hash lists them (widget/texts.ts, scripts/language-packs.ts). Marked pure, so a part
 * that needs only PLACEHOLDER_MESSAGES does not bundle the core's table with it.
 */
export const MESSAGE_KEYS: readonly (MessageKey | PartMessageKey)[] = /* @__PURE__ */ (
  Object.keys(DEFAULT_MESSAGES) as (MessageKey | PartMessageKey)[]
).concat(PART_MESSAGE_KEYS);
