/**
 * The visits `bench:widget` makes, each in a fresh browser context (cold
 * cache, 1280 × 800): a first visit timed to the banner, a click on Manage
 * preferences timed to the dialog (cold: as soon as the banner shows; warm:
 * after the page has gone quiet and idle), and the three visits whose bytes
 * are counted (first, returning with a stored choice, opened dialog).
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { Browser, BrowserContext, CDPSession, Page } from "playwright-core";
import { CONSENT_PATH } from "../../shared/api.ts";
import { RULES_PATH } from "../../shared/rules.ts";
import { type Probe, probeScript } from "./page-probe.ts";
import type { BenchServer, Hit } from "./static-server.ts";
import {
  type Contender,
  type DialogWidget,
  isDialogWidget,
  isRulesPage,
  pageFiles,
  RULES_PAGES,
  WIDGET_HOOKS,
  type Widget,
} from "./widget-pages.ts";

export interface FirstVisitSample {
  visibleMs: number | null;
  scriptMs: number;
  longTasks: number;
  longTaskMs: number;
  cls: number;
  heapBytes: number;
}

export interface ClickSample {
  /** Click to the first frame with the dialog visible; null when it never showed. */
  dialogMs: number | null;
  /** Widget files fetched over the network between the click and the dialog showing. */
  fetches: number;
}

/** The widget files one visit fetched, in order (server log), and those fetched before the banner showed. */
export interface VisitFiles {
  files: Hit[];
  beforeBanner: string[];
}

export interface ByteVisits {
  first: VisitFiles;
  returning: VisitFiles;
  dialog: VisitFiles;
}

/** The page is quiet when no request has arrived for this long (an idle-time prefetch lands before). */
const QUIET_MS = 1500;
const QUIET_CAP_MS = 15_000;
const TIMEOUT_MS = 30_000;
/** After the banner shows, long enough for late layout shifts and long tasks to land. */
const SETTLE_MS = 1000;

type BenchWindow = Window & { __bench: Probe };
const probe = (page: Page) => page.evaluate(() => (window as unknown as BenchWindow).__bench);

type StorageState = Awaited<ReturnType<BrowserContext["storageState"]>>;

async function open(
  browser: Browser,
  contender: Contender,
  options: { stored?: StorageState; coldClick?: boolean } = {},
) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, storageState: options.stored });
  await context.addInitScript(probeScript(contender, options.coldClick));
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  return { context, page, cdp };
}

/**
 * Waits for the probe to record `moment` (`page-probe.ts`), asking through CDP: one expression
 * of a few bytes. Playwright's `waitForFunction` would first inject its utility script into the
 * page: compiling and running it took 40 to 115 ms of the page's main thread at 4x CPU in traces,
 * inside the times measured (the cold click's above all). True once seen, false after
 * TIMEOUT_MS. Asked right after a navigation commits, the expression may reach the previous
 * document, which has no probe: then it asks again.
 */
export async function seen(cdp: CDPSession, moment: "banner" | "dialog"): Promise<boolean> {
  const deadline = Date.now() + TIMEOUT_MS;
  while (Date.now() < deadline) {
    const { result } = await cdp.send("Runtime.evaluate", {
      expression: `window.__benchSeen ? Promise.race([window.__benchSeen.${moment}, new Promise((resolve) => setTimeout(resolve, ${TIMEOUT_MS}, false))]) : "no probe"`,
      awaitPromise: true,
      returnByValue: true,
    });
    if (typeof result.value === "boolean") return result.value;
    await sleep(10);
  }
  return false;
}

async function waitForBanner(cdp: CDPSession, widget: Widget): Promise<void> {
  if (!(await seen(cdp, "banner"))) throw new Error(`${widget}: the banner never showed`);
}

/** Waits until no request has reached the server for QUIET_MS (at most QUIET_CAP_MS). */
async function waitForQuiet(server: BenchServer): Promise<void> {
  const start = Date.now();
  while (Date.now() - start < QUIET_CAP_MS && Date.now() - (server.hits.at(-1)?.at ?? 0) < QUIET_MS) {
    await sleep(100);
  }
}

/** The widget's files among the requests since `from`: every GET but the page's own files and the consent post. */
function widgetHits(server: BenchServer, from: number, contender: Contender): Hit[] {
  const own = pageFiles(contender);
  return server.hits.slice(from).filter((hit) => hit.method === "GET" && !own.includes(hit.path));
}

/**
 * Paths of the widget files the page fetched over the network (Resource Timing: a cache hit
 * transfers nothing) with a fetch start between `from` and `until` (page clock, ms).
 */
async function networkFetches(page: Page, contender: Contender, from: number, until: number): Promise<string[]> {
  const own = [...pageFiles(contender), CONSENT_PATH];
  const paths = await page.evaluate(
    ({ start, end }) =>
      (performance.getEntriesByType("resource") as PerformanceResourceTiming[])
        .filter((entry) => entry.transferSize > 0 && entry.startTime >= start && entry.startTime <= end)
        .map((entry) => new URL(entry.name).pathname),
    { start: from, end: until === Number.POSITIVE_INFINITY ? Number.MAX_VALUE : until },
  );
  return paths.filter((path) => !own.includes(path));
}

/** Waits for the dialog after a click (ours or the probe's); what it took and what it fetched. */
async function dialogAfterClick(page: Page, cdp: CDPSession, widget: Widget): Promise<ClickSample> {
  if (!(await seen(cdp, "dialog"))) console.error(`${widget}: dialog never visible after the click`);
  const { clickAt, dialogAt } = await probe(page);
  if (clickAt === null) throw new Error(`${widget}: Manage preferences was never clicked`);
  return {
    dialogMs: dialogAt !== null ? dialogAt - clickAt : null,
    fetches: (await networkFetches(page, widget, clickAt, dialogAt ?? Number.POSITIVE_INFINITY)).length,
  };
}

/** A real click (mouse input) in the middle of the banner's Manage preferences button. */
export async function clickManage(page: Page, widget: Widget): Promise<void> {
  const box = await page.evaluate(
    `(() => { const box = (${WIDGET_HOOKS[widget].manage})?.getBoundingClientRect(); return box && { x: box.x + box.width / 2, y: box.y + box.height / 2 }; })()`,
  );
  if (!box) throw new Error(`${widget}: no Manage preferences button`);
  const { x, y } = box as { x: number; y: number };
  await page.mouse.click(x, y);
}

/**
 * A first visit: navigation to banner visible, then script time, long tasks,
 * layout shift and heap once the page settled. Then, for a widget with a
 * dialog, the warm click: once the page is quiet and idle, Manage preferences.
 */
export async function firstVisit(
  browser: Browser,
  server: BenchServer,
  contender: Contender,
  throttle: number,
): Promise<{ sample: FirstVisitSample; warm: ClickSample | null }> {
  const { context, page, cdp } = await open(browser, contender);
  try {
    await cdp.send("Performance.enable");
    if (throttle > 1) await cdp.send("Emulation.setCPUThrottlingRate", { rate: throttle });
    await page.goto(`${server.origin}/${contender}.html`, { waitUntil: "load" });
    if (contender !== "none") await waitForBanner(cdp, contender);
    await sleep(SETTLE_MS);
    const { metrics } = await cdp.send("Performance.getMetrics");
    const scriptSeconds = metrics.find((metric) => metric.name === "ScriptDuration")?.value ?? 0;
    await cdp.send("HeapProfiler.collectGarbage");
    const heap = await cdp.send("Runtime.getHeapUsage");
    const bench = await probe(page);
    const sample = {
      visibleMs: bench.visibleAt,
      scriptMs: scriptSeconds * 1000,
      longTasks: bench.longTasks,
      longTaskMs: bench.longTaskMs,
      cls: bench.cls,
      heapBytes: heap.usedSize,
    };
    if (!isDialogWidget(contender)) return { sample, warm: null };
    await waitForQuiet(server);
    await page.evaluate(() => new Promise((resolve) => requestIdleCallback(resolve)));
    await clickManage(page, contender);
    return { sample, warm: await dialogAfterClick(page, cdp, contender) };
  } finally {
    await context.close();
  }
}

/** Manage preferences clicked as soon as the banner is visible, before any idle-time work (`page-probe.ts`). */
export async function coldClick(
  browser: Browser,
  server: BenchServer,
  widget: DialogWidget,
  throttle: number,
): Promise<ClickSample> {
  const { context, page, cdp } = await open(browser, widget, { coldClick: true });
  try {
    if (throttle > 1) await cdp.send("Emulation.setCPUThrottlingRate", { rate: throttle });
    await page.goto(`${server.origin}/${widget}.html`, { waitUntil: "commit" });
    return await dialogAfterClick(page, cdp, widget);
  } finally {
    await context.close();
  }
}

/**
 * A rules page must have asked `GET /api/rules`, got its answer and shown the banner of that
 * rule set (`data-rules="uk"` on the banner under uk only), or its times would be of another page.
 */
async function checkRulesApplied(page: Page, widget: Widget, files: Hit[]): Promise<void> {
  if (!isRulesPage(widget)) return;
  const asked = files.filter((hit) => hit.path === RULES_PATH);
  if (asked.length !== 1 || asked[0]?.status !== 200) {
    throw new Error(
      `${widget}: expected one ${RULES_PATH} answered 200, got ${asked.map((hit) => hit.status).join(", ") || "none"}: does consent.js know data-rules="by-region"?`,
    );
  }
  const shown = await page.evaluate(`(${WIDGET_HOOKS[widget].banner})?.getAttribute("data-rules") ?? null`);
  const expected = RULES_PAGES[widget].ruleSet === "uk" ? "uk" : null;
  if (shown !== expected && !(expected === null && shown === "eea")) {
    throw new Error(
      `${widget}: the banner has data-rules=${JSON.stringify(shown)}, expected the ${RULES_PAGES[widget].ruleSet} banner`,
    );
  }
}

async function beforeBanner(page: Page, widget: Widget): Promise<string[]> {
  const { visibleAt } = await probe(page);
  return visibleAt === null ? [] : networkFetches(page, widget, 0, visibleAt);
}

/**
 * The three visits whose bytes count, at full CPU speed: a first visit
 * until the page is quiet (an idle-time prefetch included), a returning
 * visit holding the choice that first visit's Accept all stored (cookies and
 * localStorage), and a first visit that opens the dialog.
 */
export async function byteVisits(browser: Browser, server: BenchServer, widget: Widget): Promise<ByteVisits> {
  const hooks = WIDGET_HOOKS[widget];
  const url = `${server.origin}/${widget}.html`;
  let stored: StorageState;
  let first: VisitFiles;
  {
    const { context, page, cdp } = await open(browser, widget);
    try {
      const from = server.hits.length;
      await page.goto(url, { waitUntil: "load" });
      await waitForBanner(cdp, widget);
      await waitForQuiet(server);
      first = { files: widgetHits(server, from, widget), beforeBanner: await beforeBanner(page, widget) };
      await checkRulesApplied(page, widget, first.files);
      await page.locator(hooks.acceptAll).click({ timeout: TIMEOUT_MS });
      const start = Date.now();
      while (!(await context.cookies()).some((cookie) => cookie.name === hooks.storedChoice)) {
        if (Date.now() - start > TIMEOUT_MS)
          throw new Error(`${widget}: Accept all set no ${hooks.storedChoice} cookie`);
        await sleep(50);
      }
      await waitForQuiet(server);
      stored = await context.storageState();
    } finally {
      await context.close();
    }
  }
  let returning: VisitFiles;
  {
    const { context, page } = await open(browser, widget, { stored });
    try {
      const from = server.hits.length;
      await page.goto(url, { waitUntil: "load" });
      await waitForQuiet(server);
      if ((await probe(page)).visibleAt !== null) {
        throw new Error(
          `${widget}: the banner showed on a returning visit: its ${hooks.storedChoice} cookie was ignored`,
        );
      }
      returning = { files: widgetHits(server, from, widget), beforeBanner: [] };
    } finally {
      await context.close();
    }
  }
  let dialog: VisitFiles = { files: [], beforeBanner: [] };
  if (widget !== "floor") {
    const { context, page, cdp } = await open(browser, widget);
    try {
      const from = server.hits.length;
      await page.goto(url, { waitUntil: "load" });
      await waitForBanner(cdp, widget);
      await clickManage(page, widget);
      const click = await dialogAfterClick(page, cdp, widget);
      if (click.dialogMs === null) throw new Error(`${widget}: the dialog never showed`);
      await waitForQuiet(server);
      dialog = { files: widgetHits(server, from, widget), beforeBanner: await beforeBanner(page, widget) };
    } finally {
      await context.close();
    }
  }
  return { first, returning, dialog };
}
