/**
 * @module
 * What one browser profile shows a scanner: every cookie (with its domain and
 * expiry), every storage key and IndexedDB database, and every third-party
 * request host, each kept once with the page where it first appeared. Storage
 * writes are caught as they happen, so a key set and removed again (the
 * widget's outbox, once the log confirms a choice) is still seen.
 */
import type { BrowserContext, Page } from "playwright-core";
import { domainMatches, type ItemKind } from "./declaration.ts";

type SeenKind = ItemKind | "host";
export type Party = "first" | "third";

export interface SeenItem {
  kind: SeenKind;
  /** Cookie name, storage key, database name, or the request host. */
  name: string;
  /** Cookie domain, the host of the frame holding the storage, or the request host. */
  domain: string;
  party: Party;
  /** Cookies: expiry in Unix seconds, `null` for a session cookie. */
  expires?: number | null;
  /** The page being scanned when it first appeared. */
  page: string;
}

/** Which hosts count as the scanned site, and which serve the consent widget itself. */
export interface Site {
  host: string;
  consentHosts: Set<string>;
}

/**
 * First party: the scanned host, a parent domain of it (a cookie for `.shop.test`
 * on `www.shop.test`), or a host under it without its `www.` (`static.shop.test`).
 * Without a public-suffix list, two sibling subdomains of one company count
 * as third parties: the scanner may over-report, never hide one.
 */
function partyOf(site: Site, host: string): Party {
  const base = site.host.replace(/^www\./, "");
  return domainMatches(base, host) || domainMatches(host, site.host) ? "first" : "third";
}

export function itemKey(item: Pick<SeenItem, "kind" | "name" | "domain">): string {
  return `${item.kind} ${item.domain} ${item.name}`;
}

const STORAGE_BINDING = "__opencontactScanStorage";

/** Reports every `setItem` to the scanner before it happens; page scripts see no difference. */
function hookStorage(binding: string) {
  const report = (window as unknown as Record<string, (kind: string, key: string) => void>)[binding];
  const setItem = Storage.prototype.setItem;
  Storage.prototype.setItem = function (this: Storage, key: string, value: string) {
    try {
      report?.(this === window.sessionStorage ? "sessionStorage" : "localStorage", String(key));
    } catch {
      // An opaque origin has no storage to tell apart; the write below fails for the page as it would anyway.
    }
    return setItem.call(this, key, value);
  };
}

/** Records one profile (browser context) through one scan state. */
export class ProfileRecorder {
  readonly items = new Map<string, SeenItem>();
  /** The page the crawler is on, for "first seen on". */
  currentPage = "";

  private readonly context: BrowserContext;
  private readonly site: Site;

  private constructor(context: BrowserContext, site: Site) {
    this.context = context;
    this.site = site;
  }

  static async attach(context: BrowserContext, site: Site): Promise<ProfileRecorder> {
    const recorder = new ProfileRecorder(context, site);
    context.on("request", (request) => {
      const url = safeUrl(request.url());
      if (url && recorder.partyOf(url.hostname) === "third") recorder.add("host", url.hostname, url.hostname);
    });
    await context.exposeBinding(STORAGE_BINDING, ({ frame }, kind: string, key: string) => {
      const url = safeUrl(frame.url());
      if (url && (kind === "localStorage" || kind === "sessionStorage")) recorder.add(kind, key, url.hostname);
    });
    await context.addInitScript(hookStorage, STORAGE_BINDING);
    return recorder;
  }

  private partyOf(host: string): Party {
    return partyOf(this.site, host);
  }

  private add(kind: SeenKind, name: string, domain: string, expires?: number | null): void {
    const item: SeenItem = { kind, name, domain, party: this.partyOf(domain), page: this.currentPage };
    if (kind === "cookie") item.expires = expires ?? null;
    const key = itemKey(item);
    const known = this.items.get(key);
    if (!known) this.items.set(key, item);
    else if (kind === "cookie" && item.expires && (known.expires ?? 0) < item.expires) known.expires = item.expires;
  }

  /** Reads the cookies of the whole profile and the storage of every frame of `page`. */
  async snapshot(page: Page): Promise<void> {
    for (const cookie of await this.context.cookies()) {
      this.add(
        "cookie",
        cookie.name,
        cookie.domain.replace(/^\./, ""),
        cookie.expires > 0 ? Math.round(cookie.expires) : null,
      );
    }
    for (const frame of page.frames()) {
      const url = safeUrl(frame.url());
      if (!url) continue;
      const keys = await frame
        .evaluate(async () => {
          const list = (storage: () => Storage) => {
            try {
              return Object.keys(storage());
            } catch {
              return [];
            }
          };
          let databases: string[] = [];
          try {
            databases = (await indexedDB.databases()).flatMap((database) => (database.name ? [database.name] : []));
          } catch {
            // No IndexedDB in this frame (opaque origin, or blocked).
          }
          return { local: list(() => localStorage), session: list(() => sessionStorage), databases };
        })
        .catch(() => null); // The frame navigated or went away meanwhile.
      if (!keys) continue;
      for (const key of keys.local) this.add("localStorage", key, url.hostname);
      for (const key of keys.session) this.add("sessionStorage", key, url.hostname);
      for (const name of keys.databases) this.add("indexedDB", name, url.hostname);
    }
  }
}

/** An http(s) URL, or null (about:blank, data:, blob:…). */
function safeUrl(text: string): URL | null {
  try {
    const url = new URL(text);
    return url.protocol === "http:" || url.protocol === "https:" ? url : null;
  } catch {
    return null;
  }
}
