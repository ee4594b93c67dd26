/**
 * `npm run verify-receipt -- FILE`: checks a consent receipt offline where it
 * can (docs/proof.md). The signature is checked with the published keys, from
 * `--keys FILE` (a saved copy of /.well-known/consent-receipt-keys) or fetched
 * from `--keys-url URL`; with `--api ORIGIN` and a staff credential in
 * `OPENCONTACT_STAFF_TOKEN` (`name:token`), the record is also compared with
 * the log there (keys default to that origin's). FILE holds the worker's JSON
 * answer or the receipt's JWS text; `-` reads standard input.
 *
 * Exit status: 0 the signature holds (and the log agrees, when compared);
 * 1 it does not, or the log says otherwise; 2 the command could not check.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { RECEIPT_KEYS_PATH } from "../shared/api.ts";
import type { ReceiptCheck } from "../shared/staff-api.ts";
import { type PublicReceiptKey, parseReceiptText, verifyReceipt } from "../worker/lib/receipts.ts";

const USAGE =
  "usage: npm run verify-receipt -- FILE [--keys KEYS.json | --keys-url URL] [--api ORIGIN]\n" +
  "  --api compares with the log; it needs OPENCONTACT_STAFF_TOKEN=name:token (a staff token).";

/** The environment variable holding `name:token` for `--api`; an argument would show in process lists. */
export const STAFF_CREDENTIAL_VARIABLE = "OPENCONTACT_STAFF_TOKEN";

class UsageError extends Error {}

interface Options {
  file: string;
  keysFile: string | null;
  keysUrl: string | null;
  api: string | null;
}

function parseArguments(argv: string[]): Options {
  const options: Options = { file: "", keysFile: null, keysUrl: null, api: null };
  for (let index = 0; index < argv.length; index++) {
    const argument = argv[index] as string;
    const value = () => {
      const next = argv[++index];
      if (next === undefined) throw new UsageError(`${argument} needs a value`);
      return next;
    };
    if (argument === "--keys") options.keysFile = value();
    else if (argument === "--keys-url") options.keysUrl = value();
    else if (argument === "--api") options.api = value().replace(/\/+$/, "");
    else if (argument.startsWith("--")) throw new UsageError(`unknown option ${argument}`);
    else if (options.file) throw new UsageError("give one receipt file");
    else options.file = argument;
  }
  if (!options.file) throw new UsageError("give the receipt file");
  if (options.keysFile && options.keysUrl) throw new UsageError("give --keys or --keys-url, not both");
  if (!options.keysFile && !options.keysUrl && !options.api) {
    throw new UsageError("give the published keys: --keys FILE, --keys-url URL, or --api ORIGIN");
  }
  return options;
}

function keysOf(jwks: unknown, from: string): PublicReceiptKey[] {
  const keys = (jwks as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(keys)) throw new UsageError(`${from} is not a JWK Set ({"keys": [...]})`);
  return keys as PublicReceiptKey[];
}

async function fetchJson(url: string, init?: RequestInit): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(url, init);
  } catch (error) {
    throw new UsageError(`could not reach ${url}: ${(error as Error).message}`);
  }
  const body: unknown = await response.json().catch(() => null);
  if (!response.ok) {
    const message = (body as { error?: { message?: string } } | null)?.error?.message ?? response.statusText;
    throw new UsageError(`${url} answered ${response.status}: ${message}`);
  }
  return body;
}

async function publishedKeys(options: Options): Promise<PublicReceiptKey[]> {
  if (options.keysFile) {
    let text: string;
    try {
      text = readFileSync(options.keysFile, "utf8");
    } catch {
      throw new UsageError(`cannot read ${options.keysFile}`);
    }
    try {
      return keysOf(JSON.parse(text), options.keysFile);
    } catch (error) {
      if (error instanceof UsageError) throw error;
      throw new UsageError(`${options.keysFile} is not JSON`);
    }
  }
  const url = options.keysUrl ?? `${options.api}${RECEIPT_KEYS_PATH}`;
  return keysOf(await fetchJson(url), url);
}

async function compareWithLog(api: string, text: string): Promise<ReceiptCheck["log"]> {
  const credential = process.env[STAFF_CREDENTIAL_VARIABLE];
  if (!credential?.includes(":")) {
    throw new UsageError(`--api needs ${STAFF_CREDENTIAL_VARIABLE}=name:token (a staff token)`);
  }
  const check = (await fetchJson(`${api}/api/staff/receipts/verify`, {
    method: "POST",
    headers: { Authorization: `Bearer ${credential}`, "Content-Type": "application/json" },
    body: text,
  })) as ReceiptCheck;
  return check.log;
}

/** Checks the receipt and says what held, one line each; the exit status. */
export async function run(argv: string[], print: (line: string) => void): Promise<number> {
  let options: Options;
  try {
    options = parseArguments(argv);
    const text = readFileSync(options.file === "-" ? 0 : options.file, "utf8");
    const keys = await publishedKeys(options);
    const signature = await verifyReceipt(parseReceiptText(text), keys);
    if (!signature.valid) print(`signature not valid: ${signature.reason}`);
    else if (options.api) print(`signature valid (key ${signature.kid})`);
    else print(`signature valid (key ${signature.kid}); not compared with the log (give --api ORIGIN to compare)`);
    if (!options.api) return signature.valid ? 0 : 1;
    const log = await compareWithLog(options.api, text);
    const where = `the log at ${options.api}`;
    if (log.status === "matches") print(`the record matches ${where}`);
    else if (log.status === "differs") print(`the record differs from ${where} in: ${log.fields.join(", ")}`);
    else if (log.status === "absent") print(`no such event in ${where} (never recorded, or purged after retention)`);
    else print(`not compared with ${where}: the receipt's signed record cannot be read`);
    return signature.valid && log.status === "matches" ? 0 : 1;
  } catch (error) {
    if (error instanceof UsageError) {
      print(`verify-receipt: ${error.message}\n${USAGE}`);
      return 2;
    }
    if ((error as NodeJS.ErrnoException).code === "ENOENT") {
      print(`verify-receipt: cannot read ${(error as NodeJS.ErrnoException).path}\n${USAGE}`);
      return 2;
    }
    throw error;
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  process.exitCode = await run(process.argv.slice(2), (line) => console.log(line));
}
