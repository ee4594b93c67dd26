/**
 * `node bench/run.ts probes [--runs N]`: two measurements behind statements
 * in docs/widget-delivery.md and docs/benchmarks.md, on the same pages and
 * static server as `bench:widget`, at 4x CPU throttling:
 *
 * - click → dialog with the dialog part already fetched and run (hovered,
 *   then clicked once it has arrived) beside a click that fetches it (the
 *   hover comes just before the click, and the page says Save-Data so the
 *   widget's idle-time prefetch stays off): how much of the time is rendering;
 * - for ours and the two rules pages, when `consent.js`, `/api/rules` and the
 *   rules part arrived, when `DOMContentLoaded` ended and when the banner's
 *   first visible frame came (`lib/page-probe.ts`), median per page: why a
 *   rules page's banner misses the first frame;
 * - at full CPU speed, main-thread script time one second after the banner
 *   (`bench:widget`'s figure) for ours as it ships, for ours with Save-Data
 *   (no idle-time prefetch of the dialog's part) and for
 *   vanilla-cookieconsent: how much of ours is the prefetched part;
 * - from a Chromium trace of a click at 4x made as the banner shows, the
 *   dialog's first layout: how long it took and how much of it was
 *   Chromium looking up fonts (sizes and weights the banner had not drawn).
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { Browser } from "playwright-core";
import { CHROMIUM, launchBrowser } from "../test/e2e/browser.ts";
import { type Probe, probeScript } from "./lib/page-probe.ts";
import { type BenchServer, startServer } from "./lib/static-server.ts";
import { benchAssets, type Contender } from "./lib/widget-pages.ts";
import { clickManage, seen } from "./lib/widget-scenarios.ts";
import { REPO_ROOT } from "./lib/worker-config.ts";

const THROTTLE = 4;
const MANAGE = "opencontact-consent [data-occ-action=manage]";

type BenchWindow = Window & { __bench: Probe };

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;

/** A fresh context on `page` with the bench's probe; `coldClick`: the probe clicks Manage preferences as the banner shows. */
async function open(browser: Browser, server: BenchServer, page: Contender, coldClick = false) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  await context.addInitScript(probeScript(page, coldClick));
  const tab = await context.newPage();
  const cdp = await context.newCDPSession(tab);
  return { context, tab, cdp, url: `${server.origin}/${page}.html` };
}

/** A visitor who asked to save data: the widget then fetches no part ahead of need (widget/ui/mount.ts). */
function sayingSaveData(): void {
  Object.defineProperty(
    Object.getPrototypeOf((navigator as Navigator & { connection: object }).connection),
    "saveData",
    { get: () => true },
  );
}

/** Click → dialog visible (ms) at 4x, with the dialog part already run or fetched at the click. */
async function dialogClick(browser: Browser, server: BenchServer, partFirst: boolean): Promise<number> {
  const { context, tab, cdp, url } = await open(browser, server, "ours");
  try {
    // Fetched at the click means no idle-time prefetch first: the widget skips it for a visitor who saves data.
    if (!partFirst) await context.addInitScript(sayingSaveData);
    await tab.goto(url);
    await seen(cdp, "banner");
    if (partFirst) {
      await tab.locator(MANAGE).hover();
      await tab.waitForFunction(() =>
        performance.getEntriesByType("resource").some((entry) => entry.name.includes("/parts/dialog.")),
      );
      // The part's script has run once its load event has fired; a quiet moment makes sure.
      await tab.waitForLoadState("networkidle");
    }
    await cdp.send("Emulation.setCPUThrottlingRate", { rate: THROTTLE });
    // A mouse click and a wait through CDP: Playwright's locator click and waitForFunction run its
    // own script in the page around the click, on the main thread being timed (widget-scenarios.ts).
    await clickManage(tab, "ours");
    if (!(await seen(cdp, "dialog"))) throw new Error("the dialog never showed");
    return await tab.evaluate(() => {
      const bench = (window as unknown as BenchWindow).__bench;
      return (bench.dialogAt ?? 0) - (bench.clickAt ?? 0);
    });
  } finally {
    await context.close();
  }
}

interface TraceEvent {
  name: string;
  ph: string;
  ts: number;
  dur?: number;
  pid: number;
  tid: number;
  args?: { name?: string; beginData?: { totalObjects?: number } };
}

/** Chromium's font lookups, which a layout makes for each font size and weight it has not drawn yet. */
const FONT_LOOKUPS = ["FontCache::GetFontPlatformData", "WebSandboxSupportLinux::GetWebFontRenderStyleForStrike"];

/**
 * The dialog's first layout (ms, trace clock) after a click made as the banner shows, at 4x: the
 * page's last full layout, and the font lookups inside it. The page's main thread is the renderer
 * thread that parsed the page.
 */
async function dialogLayout(browser: Browser, server: BenchServer): Promise<{ layout: number; fonts: number }> {
  const { context, tab, cdp, url } = await open(browser, server, "ours", true);
  const folder = mkdtempSync(join(tmpdir(), "probe-trace-"));
  try {
    await cdp.send("Emulation.setCPUThrottlingRate", { rate: THROTTLE });
    const path = join(folder, "trace.json");
    await browser.startTracing(tab, {
      path,
      categories: ["devtools.timeline", "disabled-by-default-devtools.timeline", "blink", "fonts"],
    });
    await tab.goto(url, { waitUntil: "commit" });
    if (!(await seen(cdp, "dialog"))) throw new Error("ours: the dialog never showed after the click");
    await browser.stopTracing();
    const events = (JSON.parse(readFileSync(path, "utf8")) as { traceEvents: TraceEvent[] }).traceEvents;
    const parser = events.find((event) => event.name === "ParseHTML");
    const main = events.filter((event) => event.pid === parser?.pid && event.tid === parser?.tid && event.ph === "X");
    // The dialog's layout is the last one that laid out the whole page: the page, the banner and the dialog.
    const layouts = main.filter((event) => event.name === "Layout");
    const most = Math.max(...layouts.map((event) => event.args?.beginData?.totalObjects ?? 0));
    const layout = layouts.filter((event) => event.args?.beginData?.totalObjects === most).at(-1);
    if (!layout?.dur) throw new Error("ours: no layout of the dialog in the trace");
    const end = layout.ts + layout.dur;
    const fonts = main
      .filter((event) => FONT_LOOKUPS.includes(event.name) && event.ts >= layout.ts && event.ts < end)
      .reduce((total, event) => total + (event.dur ?? 0), 0);
    return { layout: layout.dur / 1000, fonts: fonts / 1000 };
  } finally {
    await context.close();
    rmSync(folder, { recursive: true, force: true });
  }
}

/** Page-clock times (ms) of one first visit at 4x. */
async function timeline(browser: Browser, server: BenchServer, page: Contender) {
  const { context, tab, cdp, url } = await open(browser, server, page);
  try {
    await cdp.send("Emulation.setCPUThrottlingRate", { rate: THROTTLE });
    await tab.goto(url);
    await seen(cdp, "banner");
    return await tab.evaluate(() => {
      const end = (part: string) =>
        (performance.getEntriesByType("resource") as PerformanceResourceTiming[]).find((entry) =>
          entry.name.includes(part),
        )?.responseEnd ?? Number.NaN;
      const navigation = performance.getEntriesByType("navigation")[0] as PerformanceNavigationTiming;
      return {
        core: end("/consent.js"),
        rules: end("/api/rules"),
        part: end("/parts/rules."),
        domContentLoaded: navigation.domContentLoadedEventEnd,
        banner: (window as unknown as BenchWindow).__bench.visibleAt ?? Number.NaN,
      };
    });
  } finally {
    await context.close();
  }
}

/** Main-thread script time (ms, CDP `ScriptDuration`) one second after the banner showed, as `bench:widget` counts it. */
async function scriptTime(browser: Browser, server: BenchServer, page: Contender, saveData: boolean): Promise<number> {
  const { context, tab, cdp, url } = await open(browser, server, page);
  try {
    if (saveData) await context.addInitScript(sayingSaveData);
    await cdp.send("Performance.enable");
    await tab.goto(url);
    if (!(await seen(cdp, "banner"))) throw new Error(`${page}: the banner never showed`);
    await sleep(1000);
    const { metrics } = await cdp.send("Performance.getMetrics");
    return (metrics.find((metric) => metric.name === "ScriptDuration")?.value ?? 0) * 1000;
  } finally {
    await context.close();
  }
}

export async function main(argv: string[]): Promise<void> {
  if (!CHROMIUM) throw new Error("the probes need Chromium: apt-get install -y chromium, or set CHROMIUM=/path");
  const index = argv.indexOf("--runs");
  const runs = index >= 0 ? Number(argv[index + 1]) : 7;
  const server = await startServer(benchAssets(), join(REPO_ROOT, "dist", "public"));
  const browser = await launchBrowser();
  try {
    const clicks = { fetched: [] as number[], ready: [] as number[] };
    for (let run = 0; run < runs; run++) {
      clicks.fetched.push(await dialogClick(browser, server, false));
      clicks.ready.push(await dialogClick(browser, server, true));
    }
    console.log(`\nClick Manage preferences → dialog visible, ${THROTTLE}x CPU, median of ${runs} (all runs)`);
    console.log(
      `  part fetched at the click (hover just before): ${Math.round(median(clicks.fetched))} ms (${clicks.fetched.map(Math.round).join(", ")})`,
    );
    console.log(
      `  part already fetched and run:                  ${Math.round(median(clicks.ready))} ms (${clicks.ready.map(Math.round).join(", ")})`,
    );

    const pages: Contender[] = ["ours", "ours-uk", "ours-eea"];
    const lines = new Map<Contender, Record<string, number[]>>();
    for (let run = 0; run < runs; run++) {
      for (const page of pages) {
        const times = await timeline(browser, server, page);
        const line = lines.get(page) ?? {};
        for (const [key, value] of Object.entries(times)) line[key] = [...(line[key] ?? []), value];
        lines.set(page, line);
      }
    }
    console.log(`\nFirst visit at ${THROTTLE}x CPU, page clock (ms), median of ${runs}`);
    console.log("  page        consent.js  /api/rules  rules part  DOMContentLoaded  banner visible");
    for (const [page, line] of lines) {
      const cell = (key: string) => String(Math.round(median(line[key] ?? []))).padStart(10);
      console.log(
        `  ${page.padEnd(10)} ${cell("core")}  ${cell("rules")}  ${cell("part")}  ${cell("domContentLoaded").padStart(16)}  ${cell("banner").padStart(14)}`,
      );
    }

    const scripts = { ours: [] as number[], oursSaveData: [] as number[], vanilla: [] as number[] };
    for (let run = 0; run < runs; run++) {
      scripts.ours.push(await scriptTime(browser, server, "ours", false));
      scripts.oursSaveData.push(await scriptTime(browser, server, "ours", true));
      scripts.vanilla.push(await scriptTime(browser, server, "vanilla-cookieconsent", false));
    }
    const row = (label: string, values: number[]) =>
      console.log(
        `  ${label.padEnd(47)} ${median(values).toFixed(1)} ms (${values.map((v) => v.toFixed(1)).join(", ")})`,
      );
    console.log(`\nMain-thread script time one second after the banner, full CPU speed, median of ${runs}`);
    row("ours (the dialog's part fetched at idle)", scripts.ours);
    row("ours with Save-Data (no part fetched ahead)", scripts.oursSaveData);
    row("vanilla-cookieconsent", scripts.vanilla);

    const layouts = { layout: [] as number[], fonts: [] as number[] };
    for (let run = 0; run < runs; run++) {
      const { layout, fonts } = await dialogLayout(browser, server);
      layouts.layout.push(layout);
      layouts.fonts.push(fonts);
    }
    console.log(
      `\nThe dialog's first layout after a click as the banner shows, ${THROTTLE}x CPU, Chromium trace, median of ${runs}`,
    );
    row("the whole layout", layouts.layout);
    row("of which font lookups (sizes and weights not drawn yet)", layouts.fonts);
  } finally {
    await browser.close();
    server.close();
  }
}
