/**
 * The tables `bench:widget` prints: every figure per page with its ratio to
 * vanilla-cookieconsent, the goals checked against them, and the files each
 * visit fetched. Bytes are each fetched file re-compressed (gzip -9, brotli
 * q11), so they do not depend on how the bench server sends them.
 */
import { brotliCompressSync, constants, gzipSync } from "node:zlib";
import { RULES_PATH } from "../../shared/rules.ts";
import {
  type Asset,
  type Contender,
  isDialogWidget,
  isRulesPage,
  LABELS,
  rulesBody,
  WIDGET_HOOKS,
  type Widget,
} from "./widget-pages.ts";
import type { ByteVisits, ClickSample, FirstVisitSample, VisitFiles } from "./widget-scenarios.ts";

/** Samples by `<contender>@<throttle>`. */
export interface Samples {
  firstVisit: Map<string, FirstVisitSample[]>;
  cold: Map<string, ClickSample[]>;
  warm: Map<string, ClickSample[]>;
}

export interface ReportInput {
  runs: number;
  /** The pages this run loaded (`--only`), in the usual order. */
  pages: readonly Contender[];
  throttles: readonly number[];
  samples: Samples;
  bytes: Partial<Record<Widget, ByteVisits>>;
  assets: Map<string, Asset>;
}

function quantile(values: number[], q: number): number {
  const sorted = values.filter((value) => !Number.isNaN(value)).sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const position = (sorted.length - 1) * q;
  const low = Math.floor(position);
  const high = Math.ceil(position);
  return (sorted[low] ?? 0) + ((sorted[high] ?? 0) - (sorted[low] ?? 0)) * (position - low);
}

const median = (values: number[]) => quantile(values, 0.5);
const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);
const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
const ms = (value: number) => (Number.isNaN(value) ? "n/a" : `${value.toFixed(value < 10 ? 1 : 0)} ms`);
const spread = (values: number[]) =>
  `${ms(median(values))} [${ms(quantile(values, 0.25))}–${ms(quantile(values, 0.75))}]`;
const times = (value: number) => (Number.isFinite(value) ? `${value.toFixed(2)}×` : "n/a");

/** A figure and its text (a null figure gets no ratio), or null where the widget has no such thing. */
type Cell = [value: number | null, text: string] | null;

export function widgetReport({ runs, pages, throttles, samples, bytes: partialBytes, assets }: ReportInput): string {
  const widgets = pages.filter((contender): contender is Widget => contender !== "none");
  const bytes = partialBytes as Record<Widget, ByteVisits>;
  const withNone = pages.includes("none");
  const memo = new Map<string, { raw: number; gzip: number; brotli: number }>();
  /** A file's sizes; `/api/rules` answers each rules page its own body. */
  const size = (path: string, widget?: Widget) => {
    const rules = path === RULES_PATH && widget && isRulesPage(widget) ? widget : null;
    const key = rules ? `${rules} ${path}` : path;
    let found = memo.get(key);
    if (!found) {
      const body = rules ? rulesBody(rules) : (assets.get(path)?.body ?? Buffer.alloc(0));
      found = {
        raw: body.length,
        gzip: gzipSync(body, { level: 9 }).length,
        brotli: brotliCompressSync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
      };
      memo.set(key, found);
    }
    return found;
  };
  const gzipOf = (visit: VisitFiles, widget: Widget) =>
    sum(visit.files.filter((hit) => hit.status === 200).map((hit) => size(hit.path, widget).gzip));
  const gzipBeforeBanner = (visit: VisitFiles, widget: Widget) =>
    sum(visit.beforeBanner.map((path) => size(path, widget).gzip));
  /** Every distinct file a widget fetched in any visit: its library and the site's configuration (not the rules answer). */
  const library = (widget: Widget) => {
    const { first, returning, dialog } = bytes[widget];
    const paths = new Set([first, returning, dialog].flatMap((visit) => visit.files.map((hit) => hit.path)));
    return [...paths].filter((path) => !WIDGET_HOOKS[widget].config.includes(path) && path !== RULES_PATH);
  };
  const configGzip = (widget: Widget) => sum(WIDGET_HOOKS[widget].config.map((path) => size(path).gzip));
  const list = <T>(map: Map<string, T[]>, contender: string, throttle: number) =>
    map.get(`${contender}@${throttle}`) ?? [];
  const visits = (contender: string, throttle: number) => list(samples.firstVisit, contender, throttle);

  // The ratio is to vanilla-cookieconsent; a run without it (`--only ours`) gives it to today's page of ours.
  const referenceWidget: Widget = widgets.includes("vanilla-cookieconsent")
    ? "vanilla-cookieconsent"
    : widgets.includes("ours")
      ? "ours"
      : (widgets[0] ?? "ours");
  const rows: string[][] = [];
  const row = (label: string, none: string, cell: (widget: Widget) => Cell) => {
    const reference = cell(referenceWidget)?.[0] ?? Number.NaN;
    rows.push([
      label,
      ...(withNone ? [none] : []),
      ...widgets.map((widget) => {
        const found = cell(widget);
        if (!found) return "—";
        const [value, text] = found;
        if (value === null) return text;
        const ratio = reference === 0 ? (value === 0 ? 1 : Number.NaN) : value / reference;
        return `${text} (${times(ratio)})`;
      }),
    ]);
  };
  const bytesRow = (label: string, pick: (widget: Widget) => number) =>
    row(label, "0", (widget) => [pick(widget), kb(pick(widget))]);
  bytesRow("JS + CSS, raw", (widget) => sum(library(widget).map((path) => size(path).raw)));
  bytesRow("JS + CSS, gzip", (widget) => sum(library(widget).map((path) => size(path).gzip)));
  bytesRow("JS + CSS, brotli", (widget) => sum(library(widget).map((path) => size(path).brotli)));
  bytesRow("Site's own config, gzip", configGzip);
  bytesRow("First visit, fetched by banner visible, gzip", (widget) => gzipBeforeBanner(bytes[widget].first, widget));
  bytesRow("First visit, fetched until quiet, gzip", (widget) => gzipOf(bytes[widget].first, widget));
  bytesRow("Returning visit (stored choice), gzip", (widget) => gzipOf(bytes[widget].returning, widget));
  row("First visit + opened dialog, gzip", "0", (widget) =>
    widget === "floor" ? null : [gzipOf(bytes[widget].dialog, widget), kb(gzipOf(bytes[widget].dialog, widget))],
  );
  for (const throttle of throttles) {
    const suffix = throttle > 1 ? ` (${throttle}x CPU throttling)` : "";
    row(`Navigation → banner visible, median [p25–p75]${suffix}`, "—", (widget) => {
      const values = visits(widget, throttle).map((sample) => sample.visibleMs ?? Number.NaN);
      return [median(values), spread(values)];
    });
    const noneScript = median(visits("none", throttle).map((sample) => sample.scriptMs));
    row(`Main-thread script time, median${suffix}`, ms(noneScript), (widget) => {
      const value = median(visits(widget, throttle).map((sample) => sample.scriptMs));
      return [value, ms(value)];
    });
    const noneCount = median(visits("none", throttle).map((sample) => sample.longTasks));
    const noneLong = median(visits("none", throttle).map((sample) => sample.longTaskMs));
    row(`Long tasks: median count, total${suffix}`, `${noneCount}, ${ms(noneLong)}`, (widget) => {
      const count = median(visits(widget, throttle).map((sample) => sample.longTasks));
      const total = median(visits(widget, throttle).map((sample) => sample.longTaskMs));
      return [total, `${count}, ${ms(total)}`];
    });
    for (const [kind, map] of [
      ["cold", samples.cold],
      ["warm", samples.warm],
    ] as const) {
      row(`Click Manage preferences → dialog visible, ${kind}, median [p25–p75]${suffix}`, "—", (widget) => {
        if (!isDialogWidget(widget)) return null;
        const values = list(map, widget, throttle).map((sample) => sample.dialogMs ?? Number.NaN);
        return [median(values), spread(values)];
      });
    }
    row(`Widget files fetched from that click to the dialog, median cold / warm${suffix}`, "—", (widget) => {
      if (!isDialogWidget(widget)) return null;
      const cold = median(list(samples.cold, widget, throttle).map((sample) => sample.fetches));
      const warm = median(list(samples.warm, widget, throttle).map((sample) => sample.fetches));
      return [null, `${cold} / ${warm}`];
    });
  }
  const worstShift = (widget: Widget) =>
    Math.max(...throttles.flatMap((throttle) => visits(widget, throttle).map((sample) => sample.cls)));
  row("Cumulative layout shift, worst run", "0", (widget) => [worstShift(widget), worstShift(widget).toFixed(4)]);
  const noneHeap = median(visits("none", 1).map((sample) => sample.heapBytes));
  const heap = (widget: Widget) => median(visits(widget, 1).map((sample) => sample.heapBytes));
  row("JS heap after banner (after GC), median", kb(noneHeap), (widget) => [heap(widget), kb(heap(widget))]);
  if (withNone) {
    row("JS heap added over no widget", "0", (widget) => [heap(widget) - noneHeap, kb(heap(widget) - noneHeap)]);
  }

  const out: string[] = [];
  const table = (header: string[], body: string[][]) => {
    out.push(`| ${header.join(" | ")} |`);
    out.push(`| ${header.map((_, index) => (index === 0 ? "---" : "---:")).join(" | ")} |`);
    for (const cells of body) out.push(`| ${cells.join(" | ")} |`);
  };
  out.push(`\n## Widget vs peers (${runs} runs per page and CPU setting; ratio to ${LABELS[referenceWidget]})\n`);
  table(["Figure", ...(withNone ? [LABELS.none] : []), ...widgets.map((widget) => LABELS[widget])], rows);

  const visibleMs = (widget: Widget, throttle: number) =>
    visits(widget, throttle).map((sample) => sample.visibleMs ?? Number.NaN);
  const rulesPages = widgets.filter(isRulesPage);
  if (widgets.includes("ours") && rulesPages.length > 0) {
    // Issue 14: the region must not cost the banner its speed. Noise: today's page's own quartiles in this run.
    const rulesRows = throttles.flatMap((throttle) => {
      const today = visibleMs("ours", throttle);
      const [low, mid, high] = [0.25, 0.5, 0.75].map((q) => quantile(today, q)) as [number, number, number];
      return (["ours", ...rulesPages] as Widget[]).map((widget) => {
        const values = visibleMs(widget, throttle);
        const delta = median(values) - mid;
        const inside = median(values) >= low && median(values) <= high;
        return [
          `${LABELS[widget]}${throttle > 1 ? `, ${throttle}x CPU` : ""}`,
          spread(values),
          widget === "ours" ? "—" : `${delta >= 0 ? "+" : "−"}${ms(Math.abs(delta))}`,
          widget === "ours" ? `width ${ms(high - low)}` : inside ? "within" : "**outside**",
          kb(gzipBeforeBanner(bytes[widget].first, widget)),
          kb(gzipOf(bytes[widget].first, widget)),
          kb(gzipOf(bytes[widget].returning, widget)),
        ];
      });
    });
    out.push(
      "\n### Rules by region (issue 14): banner time beside today's page, this run\n\nNoise: today's page's quartiles (p25–p75); a rules page is within it when its median falls inside them.\n",
    );
    table(
      [
        "Page",
        "Navigation → banner visible, median [p25–p75]",
        "Median vs today",
        "Inside today's p25–p75?",
        "First visit by banner visible, gzip",
        "First visit until quiet, gzip",
        "Returning visit, gzip",
      ],
      rulesRows,
    );
  }

  // The goals, all today's page of ours against vanilla-cookieconsent or the floor from this same run.
  const vcc = "vanilla-cookieconsent";
  const goalPages: Widget[] = ["ours", "floor", vcc];
  const checkGoals = (): string[][] => {
    const goals: string[][] = [];
    const goal = (name: string, target: string, measured: string, met: boolean, unsettled = false) =>
      goals.push([
        name,
        target,
        measured,
        `${met ? "met" : "**not met**"}${unsettled ? ", inside this run's spread" : ""}`,
      ]);
    const byteGoal = (name: string, limit: number, pick: (widget: Widget) => number) => {
      const ratio = pick("ours") / pick(vcc);
      goal(name, `≤ ${limit.toFixed(2)}×`, `${kb(pick("ours"))} vs ${kb(pick(vcc))}: ${times(ratio)}`, ratio <= limit);
    };
    byteGoal("First-visit bytes, fetched until quiet", 0.5, (widget) => gzipOf(bytes[widget].first, widget));
    byteGoal("First-visit bytes, fetched by banner visible", 0.5, (widget) =>
      gzipBeforeBanner(bytes[widget].first, widget),
    );
    byteGoal("Returning-visit bytes", 0.35, (widget) => gzipOf(bytes[widget].returning, widget));
    for (const throttle of throttles) {
      const suffix = throttle > 1 ? `, ${throttle}x CPU` : "";
      const visible = (widget: Widget, q = 0.5) =>
        quantile(
          visits(widget, throttle).map((sample) => sample.visibleMs ?? Number.NaN),
          q,
        );
      const banner = visible("ours") / visible("floor");
      // The two pages' quartiles overlap at 4x, so one run's median ratio can land on either side of
      // the target: the ratio's range over the quartiles says when the verdict is this run's luck.
      const [lowest, highest] = [
        visible("ours", 0.25) / visible("floor", 0.75),
        visible("ours", 0.75) / visible("floor", 0.25),
      ];
      goal(
        `Banner visible vs the floor, median${suffix}`,
        "≤ 1.20×",
        `${ms(visible("ours"))} vs ${ms(visible("floor"))}: ${times(banner)} (quartiles: ${times(lowest)}–${times(highest)})`,
        banner <= 1.2,
        lowest <= 1.2 && highest > 1.2,
      );
      const script = (widget: Widget) => median(visits(widget, throttle).map((sample) => sample.scriptMs));
      const scriptRatio = script("ours") / script(vcc);
      goal(
        `Main-thread script time vs vanilla-cookieconsent${suffix}`,
        "≤ 0.50×",
        `${ms(script("ours"))} vs ${ms(script(vcc))}: ${times(scriptRatio)}`,
        scriptRatio <= 0.5,
      );
    }
    for (const [kind, map] of [
      ["cold", samples.cold],
      ["warm", samples.warm],
    ] as const) {
      const values = list(map, "ours", 4).map((sample) => sample.dialogMs ?? Number.NaN);
      const failed = values.filter(Number.isNaN).length;
      goal(
        `Click → dialog visible, ${kind}, median, 4x CPU`,
        "≤ 100 ms",
        `${spread(values)}${failed ? ` (never shown in ${failed} runs)` : ""}`,
        median(values) <= 100 && failed === 0,
        quantile(values, 0.25) <= 100 && quantile(values, 0.75) > 100,
      );
    }
    goal("Layout shift, worst run", "0", worstShift("ours").toFixed(4), worstShift("ours") === 0);
    return goals;
  };
  if (goalPages.every((page) => widgets.includes(page))) {
    out.push("\n### Goals (OpenContact Consent, this run)\n");
    table(["Goal", "Target", "Measured", "Result"], checkGoals());
  } else out.push(`\nGoals not checked: they need ${goalPages.join(", ")} in the run (no --only).`);

  out.push("\n### Files each visit fetched (gzip -9; the page and its stylesheet apart)\n");
  for (const widget of widgets) {
    const describe = (visit: VisitFiles) =>
      visit.files.map(
        (hit) => `${hit.path}${hit.status === 200 ? "" : ` HTTP ${hit.status}`} ${kb(size(hit.path, widget).gzip)}`,
      );
    const { first, returning, dialog } = bytes[widget];
    out.push(
      `- ${LABELS[widget]}: first visit ${describe(first).join(", ") || "nothing"}; returning visit ${describe(returning).join(", ") || "nothing"}${widget === "floor" ? "" : `; opened dialog ${describe(dialog).join(", ")}`}`,
    );
  }
  const failures = widgets.flatMap((widget) =>
    throttles.flatMap((throttle) =>
      visits(widget, throttle).some((sample) => sample.visibleMs === null) ? [`${widget}@${throttle}x`] : [],
    ),
  );
  if (failures.length) out.push(`\nBanner never visible in some runs: ${failures.join(", ")}`);
  return out.join("\n");
}
