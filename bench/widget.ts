/**
 * `npm run bench:widget`: this widget beside vanilla-cookieconsent 3.1.0 and
 * Klaro 0.7.22 (equivalent three-category configurations, same words), a
 * floor (a hand-written banner of about 1 KB that does nothing else) and a page with
 * no widget, in headless Chromium (playwright-core, Debian's chromium),
 * served from a static server on 127.0.0.1 that this bench starts
 * (`lib/static-server.ts`: ours is the whole `dist/public` folder).
 *
 * Figures: bytes, counted from what the browser fetched in three visits (a
 * first visit, a returning visit holding a stored choice, a first visit that
 * opens the dialog), each file re-compressed at gzip -9 so results do not
 * depend on the server; navigation to banner visible (`lib/page-probe.ts`),
 * median and quartiles over `--runs` runs per widget, the widgets
 * alternating run by run, each run in a fresh browser context (cold cache,
 * no stored consent); the same under 4x CPU throttling (CDP
 * `Emulation.setCPUThrottlingRate`); main-thread script time (CDP
 * `ScriptDuration`), long tasks (Long Tasks API), cumulative layout shift
 * (Layout Instability API), the JS heap after the banner shows (after a
 * forced garbage collection); click on Manage preferences to dialog
 * visible, cold (clicked in the first frame the banner shows) and warm (a
 * real click after the page went quiet and idle). Each is also given as a
 * ratio to vanilla-cookieconsent, then checked against the goals. Two more
 * pages of ours carry `data-rules="by-region"` and get a UK and an EEA
 * visitor's `GET /api/rules` answer (issue 14); their banner time is set
 * beside today's page and its quartiles. `--only ours` runs just those
 * three (`--only` takes any of the page names, comma-separated).
 */
import { cpus, loadavg, totalmem } from "node:os";
import { join } from "node:path";
import { CHROMIUM, launchBrowser } from "../test/e2e/browser.ts";
import { startServer } from "./lib/static-server.ts";
import {
  benchAssets,
  CONTENDERS,
  type Contender,
  DIALOG_WIDGETS,
  type DialogWidget,
  GROUPS,
  type Widget,
} from "./lib/widget-pages.ts";
import { type Samples, widgetReport } from "./lib/widget-report.ts";
import { type ByteVisits, byteVisits, coldClick, firstVisit } from "./lib/widget-scenarios.ts";
import { REPO_ROOT } from "./lib/worker-config.ts";

const THROTTLES = [1, 4] as const;

function option(argv: string[], name: string, fallback: number): number {
  const index = argv.indexOf(`--${name}`);
  const value = index >= 0 ? Number(argv[index + 1]) : fallback;
  if (!Number.isInteger(value) || value <= 0) throw new Error(`--${name} must be a positive integer`);
  return value;
}

/** `--only ours,floor`: those pages alone (`ours` is today's page and both rules pages), in the usual order. */
function pagesOption(argv: string[]): Contender[] {
  const index = argv.indexOf("--only");
  if (index < 0) return [...CONTENDERS];
  const names = (argv[index + 1] ?? "").split(",").filter(Boolean);
  const unknown = names.filter((name) => !Object.hasOwn(GROUPS, name));
  if (names.length === 0 || unknown.length > 0) {
    throw new Error(`--only takes a comma-separated list of ${Object.keys(GROUPS).join(", ")}`);
  }
  const chosen = new Set(names.flatMap((name) => GROUPS[name] ?? []));
  return CONTENDERS.filter((contender) => chosen.has(contender));
}

/** Each run's order starts one further along, so no page always goes first or last. */
function rotate<T>(items: readonly T[], run: number): T[] {
  return items.map((_, index) => items[(index + run) % items.length] as T);
}

function push<T>(map: Map<string, T[]>, key: string, value: T): void {
  const list = map.get(key) ?? [];
  list.push(value);
  map.set(key, list);
}

export async function main(argv: string[]): Promise<void> {
  if (!CHROMIUM) throw new Error("bench:widget needs Chromium: apt-get install -y chromium, or set CHROMIUM=/path");
  const runs = option(argv, "runs", 11);
  const pages = pagesOption(argv);
  const server = await startServer(benchAssets(), join(REPO_ROOT, "dist", "public"));
  if ((server.assets.get("/consent.js")?.body.length ?? 0) === 0) throw new Error("dist/public/consent.js is empty");
  const browser = await launchBrowser();
  const started = new Date();
  const loadBefore = loadavg()[0] ?? 0;
  const browserVersion = browser.version();
  const widgets = pages.filter((contender): contender is Widget => contender !== "none");
  const dialogWidgets = DIALOG_WIDGETS.filter((widget): widget is DialogWidget => pages.includes(widget));
  const samples: Samples = { firstVisit: new Map(), cold: new Map(), warm: new Map() };
  const bytes = {} as Record<Widget, ByteVisits>;
  try {
    // Bytes are the same files every run: one pass of the three visits per widget.
    for (const widget of widgets) bytes[widget] = await byteVisits(browser, server, widget);
    console.log("bytes of the first, returning and dialog visits counted");
    for (const throttle of THROTTLES) {
      for (let run = 0; run < runs; run += 1) {
        for (const contender of rotate(pages, run)) {
          const { sample, warm } = await firstVisit(browser, server, contender, throttle);
          push(samples.firstVisit, `${contender}@${throttle}`, sample);
          if (warm) push(samples.warm, `${contender}@${throttle}`, warm);
        }
        for (const widget of rotate(dialogWidgets, run)) {
          push(samples.cold, `${widget}@${throttle}`, await coldClick(browser, server, widget, throttle));
        }
      }
      console.log(`${runs} runs per page at ${throttle}x CPU done`);
    }
  } finally {
    await browser.close();
    server.close();
  }
  console.log(widgetReport({ runs, pages, throttles: THROTTLES, samples, bytes, assets: server.assets }));
  console.log(
    `\nMachine: ${cpus().length} × ${cpus()[0]?.model ?? "CPU"}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB; Chromium ${browserVersion} (${CHROMIUM}, headless); Node ${process.version}; started ${started.toISOString()}, took ${((Date.now() - started.getTime()) / 60_000).toFixed(1)} min; load average ${loadBefore.toFixed(1)} at the start (other work on the 2 cores), ${(loadavg()[0] ?? 0).toFixed(1)} at the end (this bench included)`,
  );
}
