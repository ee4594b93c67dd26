/**
 * @module
 * Delivers consent events to the log so that none is lost. Each event goes
 * into a small localStorage outbox first, then is posted with
 * `fetch(..., { keepalive: true })` so it survives navigation, in the order
 * the choices were made. A network error, 5xx or 429 keeps it in the outbox
 * for a retry with backoff (later on this page, at the next choice, on the
 * next page load, on the `online` event); the worker is idempotent on
 * `eventId`, so a repeat is harmless. A 403 `forbidden_origin` is the site's
 * configuration (its origin is missing from the worker's ALLOWED_ORIGINS):
 * one console error, nothing more is posted from this page, and the outbox
 * keeps every event for a page load after the setting is fixed. Any other
 * 4xx means the event can never be accepted: it is dropped with a console
 * warning. The visitor never sees any of this.
 *
 * Each accepted event's response, the visitor's consent receipt, is kept as
 * is (the latest only) for the preferences dialog to offer as a download.
 * When it says `textsWanted`, the log has not seen the texts the event's
 * `textsHash` names: if this page showed them, they are PUT to
 * `/api/texts/<hash>` once per page; a failure gets one console warning and
 * is tried again when the next response wants them, never holding up a choice.
 *
 * The client is the `send` part (widget/parts/send.ts), loaded after a
 * choice, or at start-up when the outbox holds events. Writing the outbox
 * (widget/outbox.ts) stays in the core, so a choice is kept even when this
 * part does not load.
 */
import type { ConsentEvent } from "../shared/consent-schema.ts";
import { OUTBOX_KEY, OUTBOX_LIMIT, type OutboxEntry } from "./outbox.ts";
import { RECEIPT_KEY } from "./storage.ts";
import type { Texts } from "./texts.ts";

export { OUTBOX_KEY };

const FIRST_RETRY_MS = 2_000;
const MAX_RETRY_MS = 600_000;

export interface LogClientOptions {
  /** Absolute URL of POST /api/consent; the texts go to its sibling /api/texts/<hash>. */
  endpoint: string;
  storage?: Storage | null;
  fetch?: typeof fetch;
}

export interface LogClient {
  /**
   * Delivers the outbox, `event` included: stored there first (synchronously) unless `queued` says
   * the core's `enqueue` already did. `texts`: the texts its `textsHash` was computed over, sent
   * only if the log asks for them.
   */
  send(event: ConsentEvent, texts?: Texts, queued?: boolean): Promise<void>;
  /** Tries every waiting event now, whatever its backoff. */
  flush(): Promise<void>;
}

/** What the `send` part is. */
export type CreateLogClient = (options: LogClientOptions) => LogClient;

export function createLogClient(options: LogClientOptions): LogClient {
  let storage = options.storage;
  /** localStorage on first use: its first access is a synchronous trip to the browser process. */
  function outbox(): Storage | null {
    if (storage === undefined) {
      try {
        storage = localStorage;
      } catch {
        storage = null;
      }
    }
    return storage;
  }
  // Used when localStorage is unavailable, so this page still retries.
  let memory: OutboxEntry[] = [];
  let running: Promise<void> | null = null;
  let timer: ReturnType<typeof setTimeout> | undefined;
  /** The worker refused this page's origin: retrying before a new page load cannot help. */
  let refused = false;
  /** The texts this page showed, by their hash; 0 once sent, or while a PUT is on its way. */
  const shownTexts: Record<string, Texts | 0> = {};
  let textsWarned = false;

  function load(): OutboxEntry[] {
    try {
      const store = outbox();
      const entries: unknown = store ? JSON.parse(store.getItem(OUTBOX_KEY) ?? "[]") : memory;
      return Array.isArray(entries) ? entries.filter((entry) => entry?.event?.eventId) : [];
    } catch {
      return [];
    }
  }

  function save(entries: OutboxEntry[]): void {
    memory = entries.slice(-OUTBOX_LIMIT);
    try {
      if (memory.length) outbox()?.setItem(OUTBOX_KEY, JSON.stringify(memory));
      else outbox()?.removeItem(OUTBOX_KEY);
    } catch {
      // Storage full or blocked: the in-memory copy still retries on this page.
    }
  }

  /** Posts once; resolves to the delay before a retry, or -1 when the event is done with. */
  async function post(event: ConsentEvent): Promise<number> {
    try {
      const response = await (options.fetch ?? fetch)(options.endpoint, {
        method: "POST",
        // text/plain is CORS-safelisted: no preflight, which keepalive requests cannot always make.
        headers: { "Content-Type": "text/plain;charset=UTF-8" },
        body: JSON.stringify(event),
        keepalive: true,
        credentials: "omit",
      });
      const { status } = response;
      if (status === 429 || status >= 500) return Number(response.headers.get("Retry-After")) * 1000 || 0;
      if (status === 403 && (await response.text()).includes("forbidden_origin")) {
        console.error(`OpenContact Consent: ${options.endpoint} refused ${location.origin}: add it to ALLOWED_ORIGINS`);
        refused = true;
        return 0;
      }
      if (!response.ok) console.warn(`OpenContact Consent: the log refused event ${event.eventId} (HTTP ${status})`);
      else received(await response.text(), event);
      return -1;
    } catch {
      return 0;
    }
  }

  /** Keeps the receipt; sends the texts it names if the log wants them and this page showed them. */
  function received(receipt: string, { textsHash }: ConsentEvent): void {
    try {
      if (JSON.parse(receipt).textsWanted) sendTexts(textsHash as string);
      outbox()?.setItem(RECEIPT_KEY, receipt);
    } catch {
      // Not JSON (not a receipt), or storage full or blocked: the choice is logged all the same.
    }
  }

  /** PUTs exactly what `textsHash` hashed (widget/texts.ts); on failure they wait for the next response that wants them. */
  function sendTexts(hash: string): void {
    const texts = shownTexts[hash];
    if (!texts) return;
    shownTexts[hash] = 0;
    const { categories, messages } = texts;
    (options.fetch ?? fetch)(new URL(`texts/${hash}`, options.endpoint).href, {
      method: "PUT",
      body: JSON.stringify({ categories, messages }),
      credentials: "omit",
    })
      .then((response) => {
        if (!response.ok) throw response.status;
      })
      .catch((why) => {
        shownTexts[hash] = texts;
        if (!textsWarned)
          console.warn(`OpenContact Consent: texts ${hash} not sent (${why}): sent again with the next choice`);
        textsWarned = true;
      });
  }

  /**
   * Delivers the outbox strictly in order and stops at the first event that
   * must wait: the log has no client clock, so a later choice must never
   * land before an earlier one (the last row is the visitor's current choice).
   */
  async function attempt(all: boolean): Promise<void> {
    for (let head = load()[0]; head && !refused && (all || head.due <= Date.now()); head = load()[0]) {
      const { event } = head;
      const wait = await post(event);
      // Re-read before writing, so entries added meanwhile (another choice, another tab) survive.
      const next: OutboxEntry[] = [];
      for (const entry of load()) {
        if (entry.event.eventId !== event.eventId) next.push(entry);
        else if (wait >= 0) {
          const attempts = entry.attempts + 1;
          const backoff = Math.min(FIRST_RETRY_MS * 2 ** (attempts - 1), MAX_RETRY_MS);
          next.push({ event, attempts, due: Date.now() + Math.max(backoff, wait) });
        }
      }
      save(next);
      if (wait >= 0) return;
    }
  }

  function run(all: boolean): Promise<void> {
    running ??= attempt(all).finally(() => {
      running = null;
      clearTimeout(timer);
      const head = load()[0];
      if (head && !refused) timer = setTimeout(() => void run(false), head.due - Date.now());
    });
    return running;
  }

  return {
    async send(event, texts, queued) {
      if (texts && event.textsHash) shownTexts[event.textsHash] ??= texts;
      if (!queued) save([...load(), { event, attempts: 0, due: 0 }]);
      await running;
      // A new choice is a good moment to retry whatever waits before it.
      await run(true);
    },
    flush: () => run(true),
  };
}
