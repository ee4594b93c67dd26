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
 */
// biome-ignore lint/correctness/noUnusedImports: h is the classic JSX factory (vite.config.ts): the JSX below compiles to h() calls
import { Component, h } from "preact";
import type { CategoryId, Choices } from "../../shared/categories.ts";
import { ALL_GRANTED, NO_CONSENT } from "../../shared/categories.ts";
import type { DeclarationCategory } from "../../shared/declaration-schema.ts";
import { DIALOG_DECLARATION } from "../../shared/generated/dialog-declaration.ts";
import type { Messages } from "../../shared/messages.ts";
import type { WidgetConfig } from "../config.ts";
import type { ChoiceAction, ConsentRecord } from "../consent-state.ts";
import type { ChoiceSource } from "../controller.ts";
import { RECEIPT_KEY } from "../storage.ts";

export interface PreferencesProps {
  /** Texts, privacy statement URL and language. */
  config: WidgetConfig;
  consent: ConsentRecord | null;
  gpc: boolean;
  /** Called with source "dialog" and the press's click event (whose `isTrusted` the log records). */
  onChoose: (action: ChoiceAction, choices: Choices, source: ChoiceSource, press: Event) => void;
  onClose: () => void;
}

interface PreferencesState {
  draft: Choices;
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
 * default and opens by keyboard without script. Nothing when the category declares no service.
 */
function Declared({ id, messages }: { id: DeclarationCategory; messages: Messages }) {
  const services = DIALOG_DECLARATION[id];
  if (!services.length) return null;
  return (
    <details>
      <summary aria-describedby={`occ-${id}-name`}>{messages.declarationSummary}</summary>
      {services.map(([service, provider, items]) => (
        <section key={service}>
          <h4>
            {service} ({provider})
          </h4>
          {items.length > 0 && (
            <table>
              <thead>
                <tr>
                  <th scope="col">{messages.itemName}</th>
                  <th scope="col">{messages.itemPurpose}</th>
                  <th scope="col">{messages.itemDuration}</th>
                </tr>
              </thead>
              <tbody>
                {items.map(([name, purpose, duration]) => (
                  <tr key={name}>
                    <td>
                      <code>{name}</code>
                    </td>
                    <td>{purpose}</td>
                    <td>{duration}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
      ))}
    </details>
  );
}

export class Preferences extends Component<PreferencesProps, PreferencesState> {
  private dialog: HTMLDialogElement | null = null;
  private opener: HTMLElement | null = null;
  /** Read as the dialog opens: the receipt of a choice made in it arrives after it has closed. */
  private receipt = receiptDownload();

  constructor(props: PreferencesProps) {
    super(props);
    // Under the UK rule, before any choice, what runs is the exception's categories (widget/parts/rules.ts).
    const draft = { ...(props.consent?.choices ?? props.config.rules?.defaults ?? NO_CONSENT) };
    // Global Privacy Control: targeting is never preselected (https://privacycg.github.io/gpc-spec/).
    if (props.gpc) draft.targeting = false;
    this.state = { draft };
  }

  private setDialog = (element: HTMLDialogElement | null) => {
    this.dialog = element;
  };

  private focusables(): HTMLElement[] {
    return this.dialog ? Array.from(this.dialog.querySelectorAll<HTMLElement>(FOCUSABLE)) : [];
  }

  private onCancel = (event: Event) => {
    event.preventDefault();
    this.props.onClose();
  };

  private onKeyDown = (event: KeyboardEvent) => {
    if (event.key === "Escape") {
      event.preventDefault();
      this.props.onClose();
      return;
    }
    if (event.key !== "Tab") return;
    const items = this.focusables();
    const first = items[0];
    const last = items[items.length - 1];
    const active = deepActiveElement();
    if (!first || !last) return;
    if (event.shiftKey ? active === first || !items.includes(active as HTMLElement) : active === last) {
      event.preventDefault();
      (event.shiftKey ? last : first).focus();
    }
  };

  override componentDidMount() {
    this.opener = deepActiveElement();
    const dialog = this.dialog;
    if (!dialog) return;
    dialog.addEventListener("cancel", this.onCancel);
    try {
      dialog.showModal();
    } catch {
      dialog.setAttribute("open", "");
    }
    this.focusables()[0]?.focus();
  }

  override componentWillUnmount() {
    if (this.receipt) URL.revokeObjectURL(this.receipt.url);
    const opener = this.opener;
    const root = this.dialog?.getRootNode() as ShadowRoot | undefined;
    try {
      this.dialog?.close();
    } catch {
      // Already closed.
    }
    // After this render: if the opener is gone (the banner closed), the re-open button takes focus.
    void Promise.resolve().then(() =>
      (opener?.isConnected ? opener : root?.querySelector?.<HTMLElement>(".reopen"))?.focus(),
    );
  }

  private toggle(id: CategoryId) {
    this.setState(({ draft }) => ({ draft: { ...draft, [id]: !draft[id] } }));
  }

  render({ config, consent, gpc, onChoose, onClose }: PreferencesProps) {
    const { messages, categories } = config.texts;
    const { privacyUrl, language, rules } = config;
    const { draft } = this.state;
    const basis = rules?.claim(draft).basis;
    return (
      <dialog
        ref={this.setDialog}
        data-occ="preferences"
        aria-modal="true"
        aria-labelledby="occ-dialog-title"
        onKeyDown={this.onKeyDown}
      >
        <div class="head">
          <h2 id="occ-dialog-title">{messages.dialogTitle}</h2>
          <button type="button" class="close" aria-label={messages.close} onClick={onClose}>
            <span aria-hidden="true">×</span>
          </button>
        </div>
        <p>
          {messages.dialogText} <a href={privacyUrl}>{messages.privacyLink}</a>
        </p>
        {gpc && <p class="note">{messages.gpcHonoured}</p>}
        {rules && (
          <p class="note" data-occ="rules">
            {rules.words.rule}
          </p>
        )}
        <ul>
          <li>
            <div class="cat">
              <h3 id="occ-necessary-name">{messages.necessaryName}</h3>
              <span>{messages.alwaysOn}</span>
            </div>
            <p id="occ-necessary-text">{messages.necessaryDescription}</p>
            <Declared id="necessary" messages={messages} />
          </li>
          {categories.map((category) => (
            <li key={category.id}>
              <div class="cat">
                <h3 id={`occ-${category.id}-name`}>{category.name}</h3>
                <button
                  type="button"
                  role="switch"
                  class="switch"
                  aria-checked={draft[category.id]}
                  aria-labelledby={`occ-${category.id}-name`}
                  aria-describedby={`occ-${category.id}-text`}
                  onClick={() => this.toggle(category.id)}
                />
              </div>
              <p id={`occ-${category.id}-text`}>
                {category.description}
                {basis && <strong data-occ-basis={basis[category.id]}> {rules.words.basis[basis[category.id]]}</strong>}
              </p>
              <Declared id={category.id} messages={messages} />
            </li>
          ))}
        </ul>
        {consent && (
          <dl>
            <dt>{messages.consentIdLabel}</dt>
            <dd>
              <code>{consent.consentId}</code>
            </dd>
            <dt>{messages.lastChoiceLabel}</dt>
            <dd>
              <time dateTime={new Date(consent.time).toISOString()}>{formatTime(consent.time, language)}</time>
            </dd>
          </dl>
        )}
        {this.receipt && (
          <p>
            <a href={this.receipt.url} download={this.receipt.name}>
              {messages.receiptDownload}
            </a>
          </p>
        )}
        <div class="actions">
          <button
            type="button"
            class="btn"
            data-occ-action="reject-all"
            onClick={(press) => onChoose("reject_all", NO_CONSENT, "dialog", press)}
          >
            {messages.rejectAll}
          </button>
          <button
            type="button"
            class="btn"
            data-occ-action="accept-all"
            onClick={(press) => onChoose("accept_all", ALL_GRANTED, "dialog", press)}
          >
            {messages.acceptAll}
          </button>
          <button
            type="button"
            class="btn"
            data-occ-action="save"
            onClick={(press) => onChoose("custom", draft, "dialog", press)}
          >
            {messages.save}
          </button>
        </div>
      </dialog>
    );
  }
}
