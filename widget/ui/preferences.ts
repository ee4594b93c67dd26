/**
 * @module
 * The preferences dialog: one switch per optional category, off until the
 * visitor turns it on (ICO; CNIL 2020-092), Strictly necessary shown as
 * always on, and the consent id with the date of the last choice so the
 * visitor can quote it (COMPLIANCE.md item 15). A modal `<dialog>` (WAI-ARIA
 * APG dialog pattern): focus moves in, Tab is trapped, Escape closes,
 * focus returns to where it was. Closing without saving changes nothing.
 * Under each category, a disclosure (collapsed) lists its services and their
 * cookies from the declaration (content/cookies.json): the part brings it,
 * the banner never does. When the browser keeps a consent receipt (the log's
 * answer to the latest choice, widget/log-client.ts), a link downloads it as
 * a `.json` file: a Blob URL made when the dialog opens and revoked when it
 * closes, so the core carries none of this. On a site with rules by region
 * (issue 14), it says which rule applies to the visitor and, beside each
 * category, its basis: consent, or on until the visitor objects (UK).
 *
 * Plain DOM, built once per opening: a switch changes its own `aria-checked`
 * and the basis texts, nothing else, so focus stays where it is.
 */
import type { Choices } from "../../shared/categories.ts";
import { ALL_GRANTED, NO_CONSENT } from "../../shared/categories.ts";
import type { DeclarationCategory } from "../../shared/declaration-schema.ts";
import { DIALOG_DECLARATION } from "../../shared/generated/dialog-declaration.ts";
import type { Messages } from "../../shared/messages.ts";
import type { WidgetConfig } from "../config.ts";
import type { ChoiceAction, ConsentRecord } from "../consent-state.ts";
import type { ChoiceSource } from "../controller.ts";
import { RECEIPT_KEY } from "../storage.ts";
import { button, el } from "./dom.ts";

export interface PreferencesProps {
  /** Texts, privacy statement URL and language. */
  config: WidgetConfig;
  consent: ConsentRecord | null;
  gpc: boolean;
  /** Called with source "dialog" and the press's click event (whose `isTrusted` the log records). */
  onChoose: (action: ChoiceAction, choices: Choices, source: ChoiceSource, press: Event) => void;
  onClose: () => void;
}

const FOCUSABLE = "button:not([disabled]),a[href],summary,[tabindex]:not([tabindex='-1'])";

/** The focused element, looking inside shadow roots (ours and the host page's). */
function deepActiveElement(): HTMLElement | null {
  let active = document.activeElement;
  while (active?.shadowRoot?.activeElement) active = active.shadowRoot.activeElement;
  return active instanceof HTMLElement ? active : null;
}

/** The kept receipt as a download: its Blob URL and file name; null when none is kept. */
function receiptDownload(): { url: string; name: string } | null {
  try {
    const receipt = localStorage.getItem(RECEIPT_KEY);
    if (!receipt) return null;
    const eventId: unknown = JSON.parse(receipt).eventId;
    // Only a UUID goes into the file name: the receipt comes from the network.
    const suffix = typeof eventId === "string" && /^[0-9a-f-]{36}$/i.test(eventId) ? `-${eventId}` : "";
    const url = URL.createObjectURL(new Blob([receipt], { type: "application/json" }));
    return { url, name: `consent-receipt${suffix}.json` };
  } catch {
    // Storage blocked, or what is kept is not JSON: nothing to offer.
    return null;
  }
}

function formatTime(time: number, language: string): string {
  try {
    return new Date(time).toLocaleString(language, { dateStyle: "long", timeStyle: "short" });
  } catch {
    return new Date(time).toISOString();
  }
}

/**
 * A category's services and cookies in a native `<details>`: a disclosure that is collapsed by
 * default and opens by keyboard without script. None when the category declares no service.
 */
function declared(id: DeclarationCategory, messages: Messages): HTMLElement[] {
  const services = DIALOG_DECLARATION[id];
  if (!services.length) return [];
  const headings = [messages.itemName, messages.itemPurpose, messages.itemDuration];
  return [
    el(
      "details",
      {},
      el("summary", { "aria-describedby": `occ-${id}-name` }, messages.declarationSummary),
      ...services.map(([service, provider, items]) =>
        el(
          "section",
          {},
          el("h4", {}, `${service} (${provider})`),
          ...(items.length
            ? [
                el(
                  "table",
                  {},
                  el("thead", {}, el("tr", {}, ...headings.map((heading) => el("th", { scope: "col" }, heading)))),
                  el(
                    "tbody",
                    {},
                    ...items.map(([name, purpose, duration]) =>
                      el("tr", {}, el("td", {}, el("code", {}, name)), el("td", {}, purpose), el("td", {}, duration)),
                    ),
                  ),
                ),
              ]
            : []),
        ),
      ),
    ),
  ];
}

/**
 * Opens the dialog in `layer`: shown modal, focus on its first control. Returns the function that
 * removes it (the part calls it when the core draws no dialog) and gives focus back.
 */
export function openPreferences(
  layer: HTMLElement,
  { config, consent, gpc, onChoose, onClose }: PreferencesProps,
): () => void {
  const { messages, categories } = config.texts;
  const { privacyUrl, language, rules } = config;
  // Under the UK rule, before any choice, what runs is the exception's categories (widget/parts/rules.ts).
  const draft = { ...(consent?.choices ?? rules?.defaults ?? NO_CONSENT) };
  // Global Privacy Control: targeting is never preselected (https://privacycg.github.io/gpc-spec/).
  if (gpc) draft.targeting = false;
  /** Read as the dialog opens: the receipt of a choice made in it arrives after it has closed. */
  const receipt = receiptDownload();
  /** Beside each category under rules by region: its basis, which the switches' draft decides. */
  const bases = rules ? categories.map(() => el("strong", {})) : [];
  const showBases = () => {
    const basis = rules?.claim(draft).basis;
    categories.forEach(({ id }, index) => {
      const strong = bases[index];
      if (!basis || !strong || strong.dataset.occBasis === basis[id]) return;
      strong.dataset.occBasis = basis[id];
      strong.textContent = ` ${rules?.words.basis[basis[id]]}`;
    });
  };
  showBases();
  /** One of the three choices at the foot; `choices` read at the press (the draft, for Save). */
  const choice = (hook: string, label: string, action: ChoiceAction, choices: () => Choices) =>
    button({ class: "btn", "data-occ-action": hook }, label, (press) => onChoose(action, choices(), "dialog", press));

  const dialog = el(
    "dialog",
    { "data-occ": "preferences", "aria-modal": "true", "aria-labelledby": "occ-dialog-title" },
    el(
      "div",
      { class: "head" },
      el("h2", { id: "occ-dialog-title" }, messages.dialogTitle),
      button({ class: "close", "aria-label": messages.close }, el("span", { "aria-hidden": "true" }, "×"), onClose),
    ),
    el("p", {}, `${messages.dialogText} `, el("a", { href: privacyUrl }, messages.privacyLink)),
    ...(gpc ? [el("p", { class: "note" }, messages.gpcHonoured)] : []),
    ...(rules ? [el("p", { class: "note", "data-occ": "rules" }, rules.words.rule)] : []),
    el(
      "ul",
      {},
      el(
        "li",
        {},
        el(
          "div",
          { class: "cat" },
          el("h3", { id: "occ-necessary-name" }, messages.necessaryName),
          el("span", {}, messages.alwaysOn),
        ),
        el("p", { id: "occ-necessary-text" }, messages.necessaryDescription),
        ...declared("necessary", messages),
      ),
      ...categories.map(({ id, name, description }, index) => {
        const toggle = el("button", {
          type: "button",
          role: "switch",
          class: "switch",
          "aria-checked": `${draft[id]}`,
          "aria-labelledby": `occ-${id}-name`,
          "aria-describedby": `occ-${id}-text`,
        });
        toggle.addEventListener("click", () => {
          draft[id] = !draft[id];
          toggle.setAttribute("aria-checked", `${draft[id]}`);
          showBases();
        });
        return el(
          "li",
          {},
          el("div", { class: "cat" }, el("h3", { id: `occ-${id}-name` }, name), toggle),
          el("p", { id: `occ-${id}-text` }, description, ...bases.slice(index, index + 1)),
          ...declared(id, messages),
        );
      }),
    ),
    ...(consent
      ? [
          el(
            "dl",
            {},
            el("dt", {}, messages.consentIdLabel),
            el("dd", {}, el("code", {}, consent.consentId)),
            el("dt", {}, messages.lastChoiceLabel),
            el(
              "dd",
              {},
              el("time", { datetime: new Date(consent.time).toISOString() }, formatTime(consent.time, language)),
            ),
          ),
        ]
      : []),
    ...(receipt ? [el("p", {}, el("a", { href: receipt.url, download: receipt.name }, messages.receiptDownload))] : []),
    el(
      "div",
      { class: "actions" },
      choice("reject-all", messages.rejectAll, "reject_all", () => NO_CONSENT),
      choice("accept-all", messages.acceptAll, "accept_all", () => ALL_GRANTED),
      choice("save", messages.save, "custom", () => draft),
    ),
  );

  const focusables = () => Array.from(dialog.querySelectorAll<HTMLElement>(FOCUSABLE));
  dialog.addEventListener("keydown", (event) => {
    if (event.key === "Escape") {
      event.preventDefault();
      onClose();
      return;
    }
    if (event.key !== "Tab") return;
    const items = focusables();
    const first = items[0];
    const last = items[items.length - 1];
    const active = deepActiveElement();
    if (!first || !last) return;
    if (event.shiftKey ? active === first || !items.includes(active as HTMLElement) : active === last) {
      event.preventDefault();
      (event.shiftKey ? last : first).focus();
    }
  });
  dialog.addEventListener("cancel", (event) => {
    event.preventDefault();
    onClose();
  });
  layer.append(dialog);
  const opener = deepActiveElement();
  try {
    dialog.showModal();
  } catch {
    dialog.setAttribute("open", "");
  }
  focusables()[0]?.focus();

  return () => {
    if (receipt) URL.revokeObjectURL(receipt.url);
    const root = dialog.getRootNode() as ParentNode;
    try {
      dialog.close();
    } catch {
      // Already closed.
    }
    dialog.remove();
    // After this draw: if the opener is gone (the banner closed), the re-open button takes focus.
    void Promise.resolve().then(() =>
      (opener?.isConnected ? opener : root.querySelector<HTMLElement>(".reopen"))?.focus(),
    );
  };
}
