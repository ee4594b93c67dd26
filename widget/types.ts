/**
 * @module
 * The public JavaScript API, `window.OpenContactConsent`, and the detail of
 * the `opencontact:consent` event on `document`.
 */
import type { Choices } from "../shared/categories.ts";
import type { ConsentMethod } from "../shared/consent-schema.ts";

export type { Choices };

/** The visitor's current, valid choice. */
export interface ConsentState {
  consentId: string;
  revision: string;
  /** ISO 8601 time of the choice. */
  time: string;
  choices: Choices;
}

export interface ConsentChange {
  consent: ConsentState;
  /** How the choice was made; `null` for the event sent at start for an existing choice. */
  method: ConsentMethod | null;
}

export type ConsentListener = (change: ConsentChange) => void;

export interface OpenContactConsentApi {
  readonly version: string;
  /** The current valid choice, or null before one is made (or after it expired or the revision changed). */
  get(): ConsentState | null;
  on(event: "change", listener: ConsentListener): void;
  off(event: "change", listener: ConsentListener): void;
  showBanner(): void;
  showPreferences(): void;
  acceptAll(): Promise<void>;
  rejectAll(): Promise<void>;
  /** A custom choice; categories left out are off. */
  set(choices: Partial<Choices>): Promise<void>;
  /** Forgets the choice in this browser and shows the banner again (the log keeps its history). */
  reset(): void;
}

/** Name of the CustomEvent dispatched on `document` after each choice and at start. */
export const CONSENT_EVENT = "opencontact:consent";

declare global {
  interface Window {
    OpenContactConsent?: OpenContactConsentApi;
  }
  interface DocumentEventMap {
    "opencontact:consent": CustomEvent<ConsentChange>;
  }
}
