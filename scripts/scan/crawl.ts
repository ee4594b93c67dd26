/**
 * @module
 * Drives Debian's Chromium through playwright-core: for each consent state, a
 * fresh profile visits the URL, makes the choice, then the same-origin pages
 * its links lead to, waiting for the network to settle on each, and records
 * what the profile shows. Every wait is bounded; every profile is closed.
 */
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { CHROMIUM_ARGS, chromiumPath } from "../chromium.ts";
import { itemKey, ProfileRecorder, type SeenItem, type Site } from "./observe.ts";
import type { Banner, ScanState } from "./states.ts";

interface CrawlOptions {
  url: URL;
  /** Same-origin pages visited after the URL. */
  pages: number;
  /** Per page load, in ms; the network settling and the banner get their own shares of it. */
  timeout: number;
  states: readonly ScanState[];
  banner: Banner;
  /** Extra Chromium switches, e.g. `--host-resolver-rules=…`. */
  chromiumArgs: string[];
  progress(line: string): void;
}

interface StateResult {
  state: ScanState;
  items: SeenItem[];
  /** Pages whose network never went quiet within the timeout (long polling, streaming). */
  unsettled: string[];
}

export interface CrawlResult {
  pages: string[];
  consentHosts: string[];
  states: StateResult[];
}

/** A scan that could not run: the CLI exits 2 with this message. */
export class ScanError extends Error {}

/** Quiet this long means settled: scripts the choice started have loaded and run. */
const QUIET_MS = 750;

/** Files a crawler need not open as pages. */
const NOT_A_PAGE = /\.(pdf|zip|gz|jpe?g|png|gif|webp|svg|ico|mp[34]|webm|css|js|json|xml|txt|docx?|xlsx?)$/i;

export async function crawl(options: CrawlOptions): Promise<CrawlResult> {
  const executablePath = chromiumPath();
  if (!executablePath) {
    throw new ScanError(
      "no Chromium found: install it (apt-get install -y chromium) or set CHROMIUM=/path/to/chromium",
    );
  }
  const browser = await chromium.launch({ executablePath, args: [...CHROMIUM_ARGS, ...options.chromiumArgs] });
  try {
    const site: Site = { host: options.url.hostname, consentHosts: new Set() };
    const pages = [options.url.href];
    const states: StateResult[] = [];
    for (const [index, state] of options.states.entries()) {
      const step = `[${index + 1}/${options.states.length}] ${state.label}`;
      states.push(await scanState(browser, site, pages, state, index === 0, step, options));
    }
    return { pages, consentHosts: [...site.consentHosts], states };
  } finally {
    await browser.close();
  }
}

async function scanState(
  browser: Browser,
  site: Site,
  pages: string[],
  state: ScanState,
  discover: boolean,
  step: string,
  options: CrawlOptions,
): Promise<StateResult> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  try {
    const network = trackNetwork(context);
    const recorder = await ProfileRecorder.attach(context, site);
    const page = await context.newPage();
    const unsettled: string[] = [];
    const settle = async (url: string) => {
      if (!(await network.quiet(options.timeout / 2))) unsettled.push(url);
      await recorder.snapshot(page);
    };

    options.progress(`${step}: ${pages[0]}`);
    recorder.currentPage = pages[0] ?? "";
    await open(page, options.url.href, options.timeout, true);
    if (discover) for (const host of await consentHostsOf(page)) site.consentHosts.add(host);
    const missing = await options.banner.find(page, options.timeout / 2);
    if (missing) throw new ScanError(`${options.url.href}: ${missing}`);
    if (state.id !== "no-choice") {
      await settle(options.url.href); // What loaded before the choice counts in this state too.
      await options.banner.choose(page, state);
    }
    await settle(options.url.href);

    const queue = discover ? await sameOriginLinks(page, options.url) : [];
    for (let index = 1; index <= options.pages; index++) {
      if (discover) {
        let found = queue.shift();
        while (found && pages.includes(found)) found = queue.shift();
        if (!found) break;
        pages.push(found);
      }
      const url = pages[index];
      if (!url) break;
      const of = discover ? `up to ${options.pages + 1}` : String(pages.length);
      options.progress(`${step}: ${url} (page ${index + 1} of ${of})`);
      recorder.currentPage = url;
      if (await open(page, url, options.timeout, false)) {
        await settle(url);
        if (discover) queue.push(...(await sameOriginLinks(page, options.url)));
      }
    }
    return { state, items: sortItems([...recorder.items.values()]), unsettled };
  } finally {
    await context.close();
  }
}

/** Loads a page; on the URL itself a failure ends the scan, on a linked page it only skips that page. */
async function open(page: Page, url: string, timeout: number, required: boolean): Promise<boolean> {
  try {
    const response = await page.goto(url, { waitUntil: "load", timeout });
    const status = response?.status() ?? 0;
    if (status >= 400) {
      if (required) throw new ScanError(`${url} answered HTTP ${status}`);
      return false;
    }
    return true;
  } catch (error) {
    if (error instanceof ScanError || required) {
      if (error instanceof ScanError) throw error;
      const reason = /net::ERR_[A-Z_]+/.exec(String(error))?.[0] ?? (error as Error).message.split("\n")[0];
      throw new ScanError(`could not reach ${url}: ${reason}`);
    }
    return false;
  }
}

/** The consent host is the widget's own: the origin of its script and of its `data-api-origin`. */
async function consentHostsOf(page: Page): Promise<string[]> {
  return page.evaluate(() =>
    [...document.scripts]
      .filter((script) => /\/consent\.js(?:[?#]|$)/.test(script.src))
      .flatMap((script) => [script.src, script.dataset.apiOrigin ?? ""])
      .flatMap((url) => {
        try {
          return [new URL(url, location.href).hostname];
        } catch {
          return [];
        }
      }),
  );
}

/** Links to other pages of the same origin, in document order, without fragments or repeats. */
async function sameOriginLinks(page: Page, origin: URL): Promise<string[]> {
  const hrefs = await page.evaluate(() =>
    [...document.querySelectorAll("a[href]")].map((a) => (a as HTMLAnchorElement).href),
  );
  const links: string[] = [];
  for (const href of hrefs) {
    try {
      const url = new URL(href);
      url.hash = "";
      if (url.origin === origin.origin && !NOT_A_PAGE.test(url.pathname) && !links.includes(url.href))
        links.push(url.href);
    } catch {
      // Not a URL: nothing to visit.
    }
  }
  return links;
}

/** Counts requests in flight in a profile, to wait until none has been for `QUIET_MS`. */
function trackNetwork(context: BrowserContext) {
  let inFlight = 0;
  let lastChange = Date.now();
  const change = (delta: number) => {
    inFlight = Math.max(0, inFlight + delta);
    lastChange = Date.now();
  };
  context.on("request", () => change(1));
  context.on("requestfinished", () => change(-1));
  context.on("requestfailed", () => change(-1));
  return {
    /** Resolves true once quiet, false when `timeout` ms pass first. */
    async quiet(timeout: number): Promise<boolean> {
      const deadline = Date.now() + timeout;
      lastChange = Math.max(lastChange, Date.now() - QUIET_MS + 250); // at least a short look after the last action
      while (Date.now() < deadline) {
        if (inFlight === 0 && Date.now() - lastChange >= QUIET_MS) return true;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      return false;
    },
  };
}

function sortItems(items: SeenItem[]): SeenItem[] {
  return items.sort((a, b) => itemKey(a).localeCompare(itemKey(b)));
}
