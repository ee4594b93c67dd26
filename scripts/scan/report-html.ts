/**
 * @module
 * The scan as one self-contained HTML page (no script, no external file) that
 * a site owner can read or attach to an audit: the verdict, then per state
 * what was set, violations first, then undeclared and stale entries.
 */

import { lifetime, type ScanReport } from "./report.ts";
import { verdict } from "./report-text.ts";

const STYLE = `body{font:15px/1.5 system-ui,sans-serif;margin:2rem auto;max-width:70rem;padding:0 1rem;color:#1f2328}
table{border-collapse:collapse;width:100%;margin:.5rem 0 1.5rem}th,td{border:1px solid #d0d7de;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#f6f8fa}tr.violation td{background:#ffebe9}.clean{color:#116329}.dirty{color:#a40e26}
code{font-size:.9em;word-break:break-all}@media print{body{margin:0}}`;

export function formatHtml(report: ScanReport): string {
  const now = Date.parse(report.scannedAt);
  const label = (id: string) => report.states.find((state) => state.id === id)?.label ?? id;
  const parts: string[] = [
    `<h1>Cookie scan of <code>${escapeHtml(report.url)}</code></h1>`,
    `<p class="${report.exitCode ? "dirty" : "clean"}"><strong>${escapeHtml(verdict(report))}</strong></p>`,
    dl([
      ["Scanned", report.scannedAt],
      ["Duration", `${(report.durationMs / 1000).toFixed(1)} s`],
      ["Declaration", `${report.declaration.path}${report.declaration.found ? "" : " (not found)"}`],
      ["Banner", report.banner === "widget" ? "OpenContact Consent" : "another banner, through --accept and --reject"],
      ["Pages", report.pages.join("\n")],
    ]),
  ];

  for (const state of report.states) {
    const violations = report.violations.filter((violation) => violation.state === state.id);
    const flagged = new Set(violations.map((violation) => violation.item));
    const summaries = state.items.flatMap((seen) => {
      const summary = report.items.find(
        (item) => item.kind === seen.kind && item.name === seen.name && item.domain === seen.domain,
      );
      return summary ? [{ seen, summary }] : [];
    });
    // Violations first: what an auditor looks for.
    summaries.sort((a, b) => Number(flagged.has(b.summary)) - Number(flagged.has(a.summary)));
    parts.push(
      `<h2>${escapeHtml(state.label)}</h2>`,
      `<p>Allowed: ${escapeHtml(state.allowed.join(", "))}. ${violations.length} violation(s), ${state.items.length} item(s) seen.</p>`,
    );
    parts.push(
      table(
        ["Kind", "Name", "Domain", "Party", "Declared as", "Lifetime", "First on", "Finding"],
        summaries.map(({ seen, summary }) => {
          const violation = violations.find((v) => v.item === summary);
          return {
            className: violation ? "violation" : "",
            cells: [
              seen.kind,
              seen.name,
              seen.domain,
              seen.party,
              summary.consentHost ? "necessary (consent host)" : summary.declaredAs.join(", ") || "undeclared",
              seen.kind === "cookie" ? lifetime(seen.expires, now) : "",
              seen.page,
              violation ? `Violation: ${violation.reason}` : summary.declaredAs.length ? "" : "Undeclared",
            ],
          };
        }),
      ),
    );
    for (const page of state.unsettled)
      parts.push(`<p>Note: ${escapeHtml(page)} never went quiet; later requests may be missing.</p>`);
  }

  parts.push(`<h2>Undeclared (${report.undeclared.length})</h2>`);
  parts.push(
    table(
      ["Kind", "Name", "Domain", "Party", "First seen in", "Seen in"],
      report.undeclared.map((item) => ({
        cells: [
          item.kind,
          item.name,
          item.domain,
          item.party,
          label(item.firstState),
          item.states.map(label).join(", "),
        ],
      })),
    ),
  );
  parts.push(`<h2>Stale: declared, never seen (${report.stale.length})</h2>`);
  parts.push(
    table(
      ["Category", "Service", "Kind", "Name"],
      report.stale.map((entry) => ({ cells: [entry.category, entry.service, entry.kind, entry.name] })),
    ),
  );

  return `<!doctype html>
<html lang="en-GB"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Cookie scan: ${escapeHtml(report.url)}</title><style>${STYLE}</style></head>
<body>
${parts.join("\n")}
</body></html>
`;
}

function table(header: string[], rows: { className?: string; cells: string[] }[]): string {
  if (!rows.length) return "<p>None.</p>";
  const head = header.map((cell) => `<th scope="col">${escapeHtml(cell)}</th>`).join("");
  const body = rows
    .map(
      (row) =>
        `<tr${row.className ? ` class="${row.className}"` : ""}>${row.cells.map((cell) => `<td>${escapeHtml(cell)}</td>`).join("")}</tr>`,
    )
    .join("\n");
  return `<table><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

function dl(entries: [string, string][]): string {
  return `<dl>${entries.map(([term, value]) => `<dt>${escapeHtml(term)}</dt><dd>${escapeHtml(value).replaceAll("\n", "<br>")}</dd>`).join("")}</dl>`;
}

/** Everything shown came from the scanned site (cookie names, URLs): always text, never markup. */
function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}
