/**
 * @module
 * The outbox, the core's half of the log client: what a choice needs to be
 * kept. Writing the event into localStorage takes a few lines and no part,
 * so a choice is logged even when the `send` part (widget/log-client.ts,
 * which posts the outbox) never arrives: a later page delivers it. The key
 * and the entries' format are the ones older pages wrote, so their outboxes
 * still flush.
 */
import type { ConsentEvent } from "../shared/consent-schema.ts";

export const OUTBOX_KEY = "opencontact-consent:outbox";
/** Oldest events are dropped beyond this; a visitor makes a handful of choices. */
export const OUTBOX_LIMIT = 20;

export interface OutboxEntry {
  event: ConsentEvent;
  attempts: number;
  /** Earliest retry on this page (ms since epoch); a new page load retries at once. */
  due: number;
}

/**
 * Appends `event` to the outbox. False when the browser blocks storage (or it is full): the log
 * client then keeps the event in memory for this page.
 */
export function enqueue(event: ConsentEvent): boolean {
  try {
    const entries: unknown = JSON.parse(localStorage.getItem(OUTBOX_KEY) ?? "[]");
    const outbox = [...(Array.isArray(entries) ? entries : []), { event, attempts: 0, due: 0 }];
    localStorage.setItem(OUTBOX_KEY, JSON.stringify(outbox.slice(-OUTBOX_LIMIT)));
    return true;
  } catch {
    return false;
  }
}

/** Events wait to be posted (an earlier page's, or this one's); a synchronous trip to the browser process. */
export function outboxWaiting(): boolean {
  try {
    return !!localStorage.getItem(OUTBOX_KEY);
  } catch {
    return false;
  }
}
