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
  declarationSummary: "Services and cookies",
  itemName: "Name",
  itemPurpose: "Purpose",
  itemDuration: "Duration",
} as const;

export type MessageKey = keyof typeof DEFAULT_MESSAGES;
export type Messages = Record<MessageKey, string>;
