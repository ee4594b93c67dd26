/**
 * What the bench watches from inside each page: a script added before any
 * page script runs (Playwright `addInitScript`) that records, in
 * `window.__bench`, the first animation frame in which the banner is visible,
 * long tasks, layout shifts, and the time from a click to the first frame in
 * which the preferences dialog is visible. With `coldClick` it also clicks
 * Manage preferences itself, as a visitor would the moment the banner
 * appears: the click is queued in the first frame with the banner visible
 * and timed from that frame, so work the page is still busy with counts, and
 * it lands before any idle-time work, sooner than any driver could (a
 * scripted click, which every widget here handles like a real one).
 *
 * It also sets `window.__benchSeen`, a promise per moment (`banner`, `dialog`)
 * that resolves when it is recorded, for the bench to await through CDP
 * (`widget-scenarios.ts`, `seen`): Playwright's own waiting would first run
 * its utility script in the page, work no visitor's page does.
 *
 * Visible: the element has a box, and neither it nor an ancestor (across
 * shadow roots) is `display: none`, `visibility: hidden` or fully
 * transparent, so an entrance animation counts from its first frame.
 */
import { type Contender, WIDGET_HOOKS } from "./widget-pages.ts";

export interface Probe {
  /** rAF time of the first frame with the banner visible. */
  visibleAt: number | null;
  longTasks: number;
  longTaskMs: number;
  cls: number;
  /** The first click: its input timestamp (`event.timeStamp`), or the frame a cold click was queued in. */
  clickAt: number | null;
  /** `performance.now()` in the first frame after that click with the dialog visible, once checked. */
  dialogAt: number | null;
}

export function probeScript(contender: Contender, coldClick = false): string {
  const hooks = contender === "none" ? null : WIDGET_HOOKS[contender];
  const find = (expression: string | null | undefined) => (expression ? `() => ${expression}` : "null");
  return `(() => {
  const bench = (window.__bench = { visibleAt: null, longTasks: 0, longTaskMs: 0, cls: 0, clickAt: null, dialogAt: null });
  const seen = {};
  const resolvers = {};
  for (const moment of ["banner", "dialog"]) seen[moment] = new Promise((resolve) => { resolvers[moment] = resolve; });
  window.__benchSeen = seen;
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
  const whenVisible = (find, done) => {
    const tick = (time) => {
      if (visible(find())) done(time);
      else requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  };
  const banner = ${find(hooks?.banner)};
  const dialog = ${find(hooks?.dialog)};
  const manage = ${find(coldClick ? hooks?.manage : null)};
  let queuedAt = null;
  if (banner) whenVisible(banner, (time) => {
    bench.visibleAt = time;
    resolvers.banner(true);
    if (!manage) return;
    queuedAt = performance.now();
    setTimeout(() => manage()?.click());
  });
  // Capture on window: runs before any widget's own click handler, shadow roots included.
  if (dialog) addEventListener("click", (event) => {
    if (bench.clickAt !== null) return;
    bench.clickAt = queuedAt ?? event.timeStamp;
    whenVisible(dialog, () => { bench.dialogAt = performance.now(); resolvers.dialog(true); });
  }, true);
})();`;
}
