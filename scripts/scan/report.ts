/**
 * @module
 * A scan's findings as one plain object: what `--json` writes and what the
 * terminal table and the HTML report are drawn from.
 */
import type { Comparison } from "./compare.ts";
import type { CrawlResult } from "./crawl.ts";
import type { SeenItem } from "./observe.ts";
import type { ScanState } from "./states.ts";

export interface ScanReport {
  url: string;
  scannedAt: string;
  durationMs: number;
  /** The declaration compared against, and whether it existed. */
  declaration: { path: string; found: boolean };
  /** `widget`: this widget's hooks and API; `selectors`: another banner's buttons. */
  banner: "widget" | "selectors";
  pages: string[];
  consentHosts: string[];
  states: (ScanState & { items: SeenItem[]; unsettled: string[] })[];
  violations: Comparison["violations"];
  undeclared: Comparison["undeclared"];
  stale: Comparison["stale"];
  items: Comparison["items"];
  exitCode: 0 | 1;
}

export function buildReport(
  base: Pick<ScanReport, "url" | "scannedAt" | "durationMs" | "declaration" | "banner" | "exitCode">,
  crawl: CrawlResult,
  comparison: Comparison,
): ScanReport {
  return {
    ...base,
    pages: crawl.pages,
    consentHosts: crawl.consentHosts,
    states: crawl.states.map(({ state, items, unsettled }) => ({ ...state, items, unsettled })),
    violations: comparison.violations,
    undeclared: comparison.undeclared,
    stale: comparison.stale,
    items: comparison.items,
  };
}

/** How long a cookie lives, as people say it: "session", "90 days", "2 years". */
export function lifetime(expires: number | null | undefined, now: number): string {
  if (expires == null) return "session";
  const days = Math.round((expires * 1000 - now) / 86_400_000);
  if (days >= 365 && days % 365 <= 2) return `${Math.round(days / 365)} year${days >= 730 ? "s" : ""}`;
  if (days >= 1) return `${days} day${days === 1 ? "" : "s"}`;
  const hours = Math.max(1, Math.round((expires * 1000 - now) / 3_600_000));
  return `${hours} hour${hours === 1 ? "" : "s"}`;
}

/** What a row shows as "where": the cookie's domain or the storage's host, with the party. */
export function whereOf(item: SeenItem): string {
  return item.kind === "host" ? `${item.party} party` : `${item.domain} (${item.party} party)`;
}
