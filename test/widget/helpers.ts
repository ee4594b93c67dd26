/**
 * Test helpers for the widget: a clean page, the real controller and UI
 * mounted in happy-dom (with its parts registered directly: happy-dom runs no
 * fetched script), and a `deliver` that records what would be posted.
 */
import type { ConsentEvent } from "../../shared/consent-schema.ts";
import { REVISION } from "../../shared/generated/build-info.ts";
import { readConfig, type WidgetConfig } from "../../widget/config.ts";
import { type Controller, createController } from "../../widget/controller.ts";
import type { Gate } from "../../widget/gating.ts";
import { createLogClient } from "../../widget/log-client.ts";
import explainProblem from "../../widget/parts/diagnostics.ts";
import dialogPart from "../../widget/parts/dialog.ts";
import { definePart } from "../../widget/parts.ts";
import type { Texts } from "../../widget/texts.ts";
import { DIALOG_PART, mount } from "../../widget/ui/mount.ts";

/**
 * Registers the dialog's, the log client's and the diagnostics' parts in `parts` (a fresh copy of
 * widget/parts.ts after vi.resetModules()), as their scripts would in a browser; the UI then draws
 * the dialog at once, a choice is posted with no load, and a set-up problem is worded at once.
 */
export function registerParts(parts: { definePart: typeof definePart } = { definePart }): void {
  parts.definePart(DIALOG_PART, dialogPart);
  parts.definePart("send", createLogClient);
  registerDiagnostics(parts);
}

/** Registers the diagnostics part (widget/parts/diagnostics.ts), which words each set-up problem the core notices. */
export function registerDiagnostics(parts: { definePart: typeof definePart } = { definePart }): void {
  parts.definePart("diagnostics", explainProblem);
}

/**
 * Resolves once every set-up problem noticed so far is in the console: the core hands each to the
 * diagnostics part a few microtasks later (widget/config.ts `diagnose`), so with the part registered
 * the next task sees them all, and sees that none was printed when none was noticed.
 */
export function diagnosed(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

export function clearCookies(): void {
  for (const part of document.cookie.split(";")) {
    const name = part.split("=")[0]?.trim();
    // biome-ignore lint/suspicious/noDocumentCookie: tests set cookies as a page's own scripts do
    if (name) document.cookie = `${name}=; Path=/; Max-Age=-1`;
  }
}

export function resetPage(): void {
  clearCookies();
  localStorage.clear();
  document.body.replaceChildren();
  document.head.replaceChildren();
}

export interface Mounted {
  controller: Controller;
  config: WidgetConfig;
  shadow: ShadowRoot;
  host: HTMLElement;
  sent: ConsentEvent[];
  /** The texts handed to the log client with each event (what it PUTs if the log wants them). */
  sentTexts: (Texts | undefined)[];
  applied: unknown[];
  reloads: number;
}

export function mountWidget(overrides: Partial<WidgetConfig> = {}): Mounted {
  registerParts();
  const config = { ...readConfig(null), ...overrides };
  const sent: ConsentEvent[] = [];
  const sentTexts: (Texts | undefined)[] = [];
  const applied: unknown[] = [];
  const deliver = async (event: ConsentEvent, _queued: boolean, texts: Texts) => {
    sent.push(event);
    sentTexts.push(texts);
  };
  const gate: Gate = { apply: async (choices) => void applied.push(choices), stop: () => {} };
  const state = { reloads: 0 };
  const controller = createController({
    config,
    revision: REVISION,
    version: "0.0.0-test",
    deliver,
    gate,
    reload: () => {
      state.reloads++;
    },
  });
  controller.start();
  const host = mount(controller, config);
  return {
    controller,
    config,
    host,
    shadow: host.shadowRoot as ShadowRoot,
    sent,
    sentTexts,
    applied,
    get reloads() {
      return state.reloads;
    },
  };
}

/** Lets the controller's promises, and the focus moves the dialog makes after them, settle. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 3; i++) await new Promise((resolve) => setTimeout(resolve, 0));
}

/** The `n`th of a run of distinct, valid consent events for log-client tests (fields overridable). */
export function sampleEvent(n: number, fields: Partial<ConsentEvent> = {}): ConsentEvent {
  return {
    eventId: `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`,
    consentId: "11111111-1111-4111-8111-111111111111",
    method: "reject_all",
    choices: { analytics: false, functionality: false, targeting: false },
    revision: "0123456789abcdef",
    pageUrl: "https://example.org/",
    language: "en-GB",
    gpc: false,
    widgetVersion: "0.1.0",
    ...fields,
  };
}
