/**
 * `npm run bench:widget`: this widget beside vanilla-cookieconsent 3.1.0 and
 * Klaro 0.7.22 (equivalent three-category configurations, same words) and a
 * page with no widget, in headless Chromium (playwright-core, Debian's
 * chromium), served from a static server on 127.0.0.1 that this bench starts.
 *
 * Figures: bytes a site loads for the widget (JS + CSS; raw, gzip -9, brotli
 * q11; the peers' site configuration apart); navigation to banner visible
 * (the first animation frame in which the banner has a box, and neither it
 * nor an ancestor is hidden or fully transparent), median and quartiles over
 * `--runs` (15) runs per widget, the widgets alternating run by run, each run
 * in a fresh browser context (cold cache, no stored consent); the same under
 * 4x CPU throttling (CDP `Emulation.setCPUThrottlingRate`); main-thread
 * script time (CDP `ScriptDuration`), long tasks (Long Tasks API),
 * cumulative layout shift (Layout Instability API), and the JS heap after
 * the banner shows (after a forced garbage collection). Each is also given
 * as a ratio to vanilla-cookieconsent.
 */
import { createServer, type Server } from "node:http";
import { cpus, loadavg, totalmem } from "node:os";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";
import type { Browser } from "playwright-core";
import { CHROMIUM, launchBrowser } from "../test/e2e/browser.ts";
import {
  type Asset,
  BANNER_SELECTOR_SCRIPT,
  benchAssets,
  CONTENDERS,
  type Contender,
  LABELS,
  WIDGET_FILES,
} from "./lib/widget-pages.ts";

type Widget = Exclude<Contender, "none">;

interface Sample {
  visibleMs: number | null;
  scriptMs: number;
  longTasks: number;
  longTaskMs: number;
  cls: number;
  heapBytes: number;
}

/** Runs before any page script: watches for the banner, long tasks and layout shifts. */
function initScript(contender: Contender): string {
  const find = contender === "none" ? "null" : BANNER_SELECTOR_SCRIPT[contender];
  return `(() => {
  const bench = (window.__bench = { visibleAt: null, longTasks: 0, longTaskMs: 0, cls: 0 });
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) { bench.longTasks += 1; bench.longTaskMs += entry.duration; }
  }).observe({ type: "longtask", buffered: true });
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) if (!entry.hadRecentInput) bench.cls += entry.value;
  }).observe({ type: "layout-shift", buffered: true });
  const visible = (element) => {
    if (!element) return false;
    const box = element.getBoundingClientRect();
    if (box.width === 0 || box.height === 0) return false;
    for (let node = element; node; node = node.parentNode instanceof ShadowRoot ? node.parentNode.host : node.parentElement) {
      const style = getComputedStyle(node);
      if (style.display === "none" || style.visibility === "hidden" || Number(style.opacity) === 0) return false;
    }
    return true;
  };
  if (${JSON.stringify(contender)} === "none") return;
  const tick = (time) => {
    if (visible(${find})) bench.visibleAt = time;
    else requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
})();`;
}

function startServer(assets: Map<string, Asset>): Promise<{ server: Server; origin: string }> {
  const server = createServer((request, response) => {
    const path = new URL(request.url ?? "/", "http://127.0.0.1").pathname;
    const asset = assets.get(path);
    if (!asset) {
      response.writeHead(404, { "Content-Type": "application/json" }).end('{"error":"not found"}');
      return;
    }
    response.writeHead(200, { "Content-Type": asset.type, "Cache-Control": "no-store" }).end(asset.body);
  });
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      resolve({ server, origin: `http://127.0.0.1:${port}` });
    });
  });
}

async function measure(browser: Browser, origin: string, contender: Contender, throttle: number): Promise<Sample> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  try {
    await context.addInitScript(initScript(contender));
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send("Performance.enable");
    if (throttle > 1) await cdp.send("Emulation.setCPUThrottlingRate", { rate: throttle });
    await page.goto(`${origin}/${contender}.html`, { waitUntil: "load" });
    if (contender !== "none") {
      await page.waitForFunction(
        () => (window as unknown as { __bench: { visibleAt: number | null } }).__bench.visibleAt !== null,
        undefined,
        { timeout: 30_000, polling: 50 },
      );
    }
    // Let late layout shifts and long tasks land.
    await page.waitForTimeout(1000);
    const { metrics } = await cdp.send("Performance.getMetrics");
    const scriptSeconds = metrics.find((metric) => metric.name === "ScriptDuration")?.value ?? 0;
    await cdp.send("HeapProfiler.collectGarbage");
    const heap = await cdp.send("Runtime.getHeapUsage");
    const bench = (await page.evaluate(() => (window as unknown as { __bench: unknown }).__bench)) as {
      visibleAt: number | null;
      longTasks: number;
      longTaskMs: number;
      cls: number;
    };
    return {
      visibleMs: bench.visibleAt,
      scriptMs: scriptSeconds * 1000,
      longTasks: bench.longTasks,
      longTaskMs: bench.longTaskMs,
      cls: bench.cls,
      heapBytes: heap.usedSize,
    };
  } finally {
    await context.close();
  }
}

function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const position = (sorted.length - 1) * q;
  const low = Math.floor(position);
  const high = Math.ceil(position);
  return (sorted[low] ?? 0) + ((sorted[high] ?? 0) - (sorted[low] ?? 0)) * (position - low);
}

const median = (values: number[]) => quantile(values, 0.5);
const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
const ms = (value: number) => `${value.toFixed(value < 10 ? 1 : 0)} ms`;

interface Sizes {
  raw: number;
  gzip: number;
  brotli: number;
  configGzip: number;
}

function sizes(assets: Map<string, Asset>, widget: Widget): Sizes {
  const bodies = (paths: string[]) =>
    paths.map((path) => {
      const asset = assets.get(path);
      if (!asset) throw new Error(`no asset ${path}`);
      return asset.body;
    });
  const library = bodies(WIDGET_FILES[widget].library);
  const gzip = (body: Buffer) => gzipSync(body, { level: 9 }).length;
  const brotli = (body: Buffer) =>
    brotliCompressSync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length;
  const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);
  return {
    raw: sum(library.map((body) => body.length)),
    gzip: sum(library.map(gzip)),
    brotli: sum(library.map(brotli)),
    configGzip: sum(bodies(WIDGET_FILES[widget].config).map(gzip)),
  };
}

function option(argv: string[], name: string, fallback: number): number {
  const index = argv.indexOf(`--${name}`);
  const value = index >= 0 ? Number(argv[index + 1]) : fallback;
  if (!Number.isInteger(value) || value <= 0) throw new Error(`--${name} must be a positive integer`);
  return value;
}

export async function main(argv: string[]): Promise<void> {
  if (!CHROMIUM) throw new Error("bench:widget needs Chromium: apt-get install -y chromium, or set CHROMIUM=/path");
  const runs = option(argv, "runs", 15);
  const throttles = [1, 4];
  const assets = benchAssets();
  if ((assets.get("/ours/consent.js")?.body.length ?? 0) === 0) throw new Error("dist/public/consent.js is empty");
  const { server, origin } = await startServer(assets);
  const browser = await launchBrowser();
  const started = new Date();
  const loadBefore = loadavg()[0] ?? 0;
  const browserVersion = browser.version();
  const samples = new Map<string, Sample[]>();
  const key = (contender: Contender, throttle: number) => `${contender}@${throttle}`;
  try {
    for (const throttle of throttles) {
      for (let run = 0; run < runs; run += 1) {
        // Rotate the order every run, so no widget always goes first or last.
        const order = CONTENDERS.map((_, index) => CONTENDERS[(index + run) % CONTENDERS.length] as Contender);
        for (const contender of order) {
          const sample = await measure(browser, origin, contender, throttle);
          const list = samples.get(key(contender, throttle)) ?? [];
          list.push(sample);
          samples.set(key(contender, throttle), list);
        }
      }
      console.log(`${runs} runs per page at ${throttle}x CPU done`);
    }
  } finally {
    await browser.close();
    server.close();
  }

  const widgets: Widget[] = ["ours", "vanilla-cookieconsent", "klaro"];
  const size = Object.fromEntries(widgets.map((widget) => [widget, sizes(assets, widget)])) as Record<Widget, Sizes>;
  const all = (contender: Contender, throttle: number) => samples.get(key(contender, throttle)) ?? [];
  const stat = (contender: Contender, throttle: number, pick: (sample: Sample) => number) =>
    all(contender, throttle).map(pick);
  const ratio = (value: number, reference: number) =>
    reference === 0 ? (value === 0 ? "1.00×" : "n/a") : `${(value / reference).toFixed(2)}×`;

  const rows: string[][] = [];
  const row = (label: string, none: string, cell: (widget: Widget) => [number, string]) => {
    const reference = cell("vanilla-cookieconsent")[0];
    rows.push([
      label,
      none,
      ...widgets.map((widget) => {
        const [value, text] = cell(widget);
        return `${text} (${ratio(value, reference)})`;
      }),
    ]);
  };
  row("JS + CSS, raw", "0", (widget) => [size[widget].raw, kb(size[widget].raw)]);
  row("JS + CSS, gzip", "0", (widget) => [size[widget].gzip, kb(size[widget].gzip)]);
  row("JS + CSS, brotli", "0", (widget) => [size[widget].brotli, kb(size[widget].brotli)]);
  row("Site's own config, gzip", "0", (widget) => [size[widget].configGzip, kb(size[widget].configGzip)]);
  for (const throttle of throttles) {
    const suffix = throttle > 1 ? ` (${throttle}x CPU throttling)` : "";
    row(`Navigation → banner visible, median [p25–p75]${suffix}`, "—", (widget) => {
      const values = stat(widget, throttle, (sample) => sample.visibleMs ?? Number.NaN);
      return [median(values), `${ms(median(values))} [${ms(quantile(values, 0.25))}–${ms(quantile(values, 0.75))}]`];
    });
    const noneScript = median(stat("none", throttle, (sample) => sample.scriptMs));
    row(`Main-thread script time, median${suffix}`, ms(noneScript), (widget) => {
      const value = median(stat(widget, throttle, (sample) => sample.scriptMs));
      return [value, ms(value)];
    });
    const noneLongCount = median(stat("none", throttle, (sample) => sample.longTasks));
    const noneLong = median(stat("none", throttle, (sample) => sample.longTaskMs));
    row(`Long tasks: median count, total${suffix}`, `${noneLongCount}, ${ms(noneLong)}`, (widget) => {
      const count = median(stat(widget, throttle, (sample) => sample.longTasks));
      const total = median(stat(widget, throttle, (sample) => sample.longTaskMs));
      return [total, `${count}, ${ms(total)}`];
    });
  }
  row("Cumulative layout shift, worst run", "0", (widget) => {
    const worst = Math.max(...throttles.flatMap((throttle) => stat(widget, throttle, (sample) => sample.cls)));
    return [worst, worst.toFixed(4)];
  });
  const noneHeap = median(stat("none", 1, (sample) => sample.heapBytes));
  row("JS heap after banner (after GC), median", kb(noneHeap), (widget) => {
    const value = median(stat(widget, 1, (sample) => sample.heapBytes));
    return [value, kb(value)];
  });
  row("JS heap added over no widget", "0", (widget) => {
    const value = median(stat(widget, 1, (sample) => sample.heapBytes)) - noneHeap;
    return [value, kb(value)];
  });

  const header = ["Figure", LABELS.none, ...widgets.map((widget) => LABELS[widget])];
  console.log(`\n## Widget vs peers (${runs} runs per page and CPU setting; ratio to vanilla-cookieconsent)\n`);
  console.log(`| ${header.join(" | ")} |`);
  console.log(`| ${header.map((_, index) => (index === 0 ? "---" : "---:")).join(" | ")} |`);
  for (const cells of rows) console.log(`| ${cells.join(" | ")} |`);
  const failures = widgets.flatMap((widget) =>
    throttles.flatMap((throttle) =>
      all(widget, throttle).some((sample) => sample.visibleMs === null) ? [`${widget}@${throttle}x`] : [],
    ),
  );
  if (failures.length) console.log(`\nBanner never visible in some runs: ${failures.join(", ")}`);
  console.log(
    `\nMachine: ${cpus().length} × ${cpus()[0]?.model ?? "CPU"}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB; Chromium ${browserVersion} (${CHROMIUM}, headless); Node ${process.version}; started ${started.toISOString()}; load average ${loadBefore.toFixed(1)} at the start (other work on the 2 cores), ${(loadavg()[0] ?? 0).toFixed(1)} at the end (this bench included)`,
  );
}
