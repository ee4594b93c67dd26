/**
 * @module
 * The scan as plain-text tables for the terminal: the verdict, violations
 * first, then undeclared and stale entries, then everything seen per state.
 */
import { lifetime, type ScanReport, whereOf } from "./report.ts";

export function formatText(report: ScanReport): string {
  const now = Date.parse(report.scannedAt);
  const label = (id: string) => report.states.find((state) => state.id === id)?.label ?? id;
  const out: string[] = [
    `Scanned ${report.url}: ${report.pages.length} page${report.pages.length === 1 ? "" : "s"} in ${report.states.length} states, ${(report.durationMs / 1000).toFixed(1)} s`,
    `Declaration: ${report.declaration.path}${report.declaration.found ? "" : " (not found: everything seen is undeclared)"}`,
    "",
    verdict(report),
  ];

  section(
    out,
    `Violations (${report.violations.length})`,
    ["State", "Kind", "Name", "Where", "Why", "First on"],
    report.violations.map((v) => [label(v.state), v.item.kind, v.item.name, whereOf(v.item), v.reason, v.page]),
  );
  section(
    out,
    `Undeclared (${report.undeclared.length})`,
    ["Kind", "Name", "Where", "First seen in", "Also in"],
    report.undeclared.map((item) => [
      item.kind,
      item.name,
      whereOf(item),
      label(item.firstState),
      item.states.slice(1).map(label).join(", "),
    ]),
  );
  section(
    out,
    `Stale: declared, never seen (${report.stale.length})`,
    ["Category", "Service", "Kind", "Name"],
    report.stale.map((entry) => [entry.category, entry.service, entry.kind, entry.name]),
  );
  section(
    out,
    `Seen (${report.items.length})`,
    ["Kind", "Name", "Where", "Declared as", "Lifetime", "First seen in"],
    report.items.map((item) => [
      item.kind,
      item.name,
      whereOf(item),
      item.consentHost ? "necessary (consent host)" : item.declaredAs.join(", ") || "-",
      item.kind === "cookie" ? lifetime(item.expires, now) : "",
      label(item.firstState),
    ]),
  );
  for (const state of report.states) {
    for (const page of state.unsettled)
      out.push(`Note: in "${state.label}", ${page} never went quiet; later requests may be missing.`);
  }
  return `${out.join("\n")}\n`;
}

export function verdict(report: ScanReport): string {
  if (report.exitCode === 0)
    return `Clean: no violations, nothing undeclared${report.stale.length ? ` (${report.stale.length} stale)` : ""}.`;
  return `Not clean: ${report.violations.length} violation(s), ${report.undeclared.length} undeclared item(s), ${report.stale.length} stale.`;
}

function section(out: string[], title: string, header: string[], rows: string[][]): void {
  if (!rows.length) return;
  out.push("", title, ...table([header, ...rows]));
}

/** Left-aligned columns two spaces apart, with a rule under the header. */
function table(rows: string[][]): string[] {
  const widths = rows[0]?.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? "").length))) ?? [];
  const line = (row: string[]) =>
    row
      .map((cell, column) => cell.padEnd(widths[column] ?? 0))
      .join("  ")
      .trimEnd();
  const [header = [], ...body] = rows;
  return [line(header), widths.map((width) => "-".repeat(width)).join("  "), ...body.map(line)];
}
