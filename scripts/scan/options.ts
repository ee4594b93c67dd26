/**
 * @module
 * The command line of `npm run scan -- <url>`: parsed and checked before any
 * browser starts, so a mistake costs a message, not a scan.
 */
import { existsSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { parseArgs } from "node:util";

export const USAGE = `Usage: npm run scan -- <url> [options]

  --pages N                  same-origin pages to visit after the URL, found by links (default 5)
  --declaration FILE         the cookie declaration to compare with (default content/cookies.json)
  --json FILE                also write the findings as JSON
  --report FILE.html         also write a self-contained HTML report
  --write-declaration FILE   write a draft declaration from what was seen (--force to replace a file)
  --accept SELECTOR          another banner's Accept button (with --reject): states no choice, reject, accept
  --reject SELECTOR          another banner's Reject button
  --timeout SECONDS          per page load (default 30)
  --chromium-arg ARG         an extra Chromium switch, repeatable (e.g. --host-resolver-rules=...)

Exit code: 0 clean, 1 violations or undeclared items, 2 could not scan.`;

const DEFAULT_DECLARATION = "content/cookies.json";

export interface ScanOptions {
  url: URL;
  pages: number;
  declaration: string;
  /** False when the default declaration is used: a missing default is a warning, a missing named file an error. */
  declarationNamed: boolean;
  json?: string;
  report?: string;
  writeDeclaration?: string;
  force: boolean;
  selectors?: { accept: string; reject: string };
  timeout: number;
  chromiumArgs: string[];
}

export class UsageError extends Error {}

/** `null` for `--help`. */
export function parseOptions(args: string[]): ScanOptions | null {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(args);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) return null;
  if (positionals.length !== 1) throw new UsageError(positionals.length ? "give one URL only" : "give the URL to scan");

  const text = positionals[0] ?? "";
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`"${text}" is not a URL: give a full address such as https://www.example.com/`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new UsageError(`"${text}" is not an http(s) URL: the scanner visits web pages only`);
  }
  url.hash = "";

  const pages = integer(values.pages, "--pages", 5, 0, 100);
  const timeout = integer(values.timeout, "--timeout", 30, 5, 600) * 1000;
  if (Boolean(values.accept) !== Boolean(values.reject)) {
    throw new UsageError("--accept and --reject go together: give both selectors of the other banner");
  }
  for (const [flag, file] of [
    ["--json", values.json],
    ["--report", values.report],
    ["--write-declaration", values["write-declaration"]],
  ] as const) {
    if (file !== undefined && !isDirectory(dirname(resolve(file)))) {
      throw new UsageError(`${flag} ${file}: the folder ${dirname(resolve(file))} does not exist`);
    }
  }
  const draft = values["write-declaration"];
  if (draft !== undefined && existsSync(draft) && !values.force) {
    throw new UsageError(
      `--write-declaration ${draft}: the file exists; add --force to replace it, or name another file`,
    );
  }
  const options: ScanOptions = {
    url,
    pages,
    declaration: values.declaration ?? DEFAULT_DECLARATION,
    declarationNamed: values.declaration !== undefined,
    force: values.force ?? false,
    timeout,
    chromiumArgs: values["chromium-arg"] ?? [],
  };
  if (values.json !== undefined) options.json = values.json;
  if (values.report !== undefined) options.report = values.report;
  if (draft !== undefined) options.writeDeclaration = draft;
  if (values.accept && values.reject) options.selectors = { accept: values.accept, reject: values.reject };
  return options;
}

function parse(args: string[]) {
  return parseArgs({
    args,
    allowPositionals: true,
    options: {
      pages: { type: "string" },
      declaration: { type: "string" },
      json: { type: "string" },
      report: { type: "string" },
      "write-declaration": { type: "string" },
      force: { type: "boolean" },
      accept: { type: "string" },
      reject: { type: "string" },
      timeout: { type: "string" },
      "chromium-arg": { type: "string", multiple: true },
      help: { type: "boolean", short: "h" },
    },
  });
}

function integer(value: string | undefined, flag: string, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  const number = Number(value);
  if (!Number.isInteger(number) || number < min || number > max) {
    throw new UsageError(`${flag} ${value}: use a whole number from ${min} to ${max}`);
  }
  return number;
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
