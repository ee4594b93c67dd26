/**
 * `npm run scan -- <url>`: visits a site in real Chromium in every consent
 * state, each in a fresh profile, and checks what it sets against the cookie
 * declaration. Prints a table; writes JSON, an HTML report and a draft
 * declaration on request. Exit code 0 clean, 1 violations or undeclared
 * items, 2 could not scan. Options: `scripts/scan/options.ts`; docs/scanner.md.
 */
import { writeFileSync } from "node:fs";
import { compare, exitCode } from "./scan/compare.ts";
import { crawl, ScanError } from "./scan/crawl.ts";
import { DeclarationError, readDeclaration } from "./scan/declaration.ts";
import { draftDeclaration } from "./scan/draft-declaration.ts";
import { parseOptions, type ScanOptions, USAGE, UsageError } from "./scan/options.ts";
import { buildReport } from "./scan/report.ts";
import { formatHtml } from "./scan/report-html.ts";
import { formatText } from "./scan/report-text.ts";
import { SELECTOR_STATES, selectorBanner, WIDGET_BANNER, WIDGET_STATES } from "./scan/states.ts";

async function main(args: string[]): Promise<number> {
  let options: ScanOptions | null;
  try {
    options = parseOptions(args);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`scan: ${error.message}\n\n${USAGE}`);
    return 2;
  }
  if (!options) {
    console.log(USAGE);
    return 0;
  }

  let declaration: ReturnType<typeof readDeclaration>;
  try {
    declaration = readDeclaration(options.declaration);
  } catch (error) {
    if (!(error instanceof DeclarationError)) throw error;
    console.error(`scan: ${error.message}`);
    return 2;
  }
  if (!declaration) {
    if (options.declarationNamed) {
      console.error(`scan: --declaration ${options.declaration}: no such file`);
      return 2;
    }
    console.error(
      `scan: no ${options.declaration}: everything seen will be undeclared (--write-declaration drafts one)`,
    );
  }

  const states = options.selectors ? SELECTOR_STATES : WIDGET_STATES;
  const started = Date.now();
  let result: Awaited<ReturnType<typeof crawl>>;
  try {
    result = await crawl({
      url: options.url,
      pages: options.pages,
      timeout: options.timeout,
      states,
      banner: options.selectors ? selectorBanner(options.selectors) : WIDGET_BANNER,
      chromiumArgs: options.chromiumArgs,
      progress: (line) => console.error(`scan: ${line}`),
    });
  } catch (error) {
    if (!(error instanceof ScanError)) throw error;
    console.error(`scan: could not scan: ${error.message}`);
    return 2;
  }

  const comparison = compare(result, declaration);
  const report = buildReport(
    {
      url: options.url.href,
      scannedAt: new Date(started).toISOString(),
      durationMs: Date.now() - started,
      declaration: { path: options.declaration, found: declaration !== null },
      banner: options.selectors ? "selectors" : "widget",
      exitCode: exitCode(comparison),
    },
    result,
    comparison,
  );
  process.stdout.write(formatText(report));
  if (options.json) write(options.json, `${JSON.stringify(report, null, 2)}\n`);
  if (options.report) write(options.report, formatHtml(report));
  if (options.writeDeclaration) {
    const draft = draftDeclaration(comparison.items, states, declaration, started);
    // "wx" refuses a file that appeared during the scan; --force was checked before it started.
    write(options.writeDeclaration, `${JSON.stringify(draft, null, 2)}\n`, options.force ? "w" : "wx");
  }
  return report.exitCode;
}

function write(path: string, text: string, flag = "w"): void {
  writeFileSync(path, text, { flag });
  console.error(`scan: wrote ${path}`);
}

if (import.meta.main) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      console.error(`scan: could not scan: ${error instanceof Error ? error.message : String(error)}`);
      process.exitCode = 2;
    },
  );
}
