/**
 * `npm run deploy`: the path to production (docs/deploy.md), with every check
 * that can run locally first, so a broken or unconfigured build never goes out.
 *
 *  1. The configuration: refuses the placeholder D1 id and an allow-list of
 *     local origins only; warns when Cloudflare Access is not configured.
 *  2. Local checks: `npm test` (build with the widget size budget, generated
 *     types, typecheck, lint, every test), then `wrangler deploy --dry-run`.
 *  3. Remote checks: the D1 database exists and is in the EU jurisdiction
 *     (the privacy statement promises storage in the EEA).
 *  4. Remote migrations, then `wrangler deploy`.
 *
 * Before the upload, `--previous-release <origin>` carries the live release's
 * widget files into the build (scripts/keep-release.ts: parts a cached core
 * still asks for, every pinned version); a real deploy needs it, or
 * `--first-deploy` when nothing is live yet.
 *
 * `--check` stops after step 2 (no Cloudflare account needed); `--config
 * <file>` reads another wrangler configuration; `--secrets-file <file>` is
 * checked (no public local value from `.dev.vars.example`, a long enough
 * `SESSION_SECRET`, `STAFF_TOKENS` a JSON object, `RECEIPT_SIGNING_KEYS`
 * Ed25519 keys whose first signs, `CHECKPOINT_KEY` 32 bytes of base64) and passed to `wrangler
 * deploy` (the first deploy must bring its secrets). Secrets already on
 * Cloudflare cannot be read back: wrangler refuses a deploy that lacks a
 * required one, and the worker itself ignores the local values on https.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseReceiptKeys } from "../worker/lib/receipts.ts";
import { parseRulesSettings } from "../worker/lib/rules-settings.ts";
import { keepPreviousRelease } from "./keep-release.ts";
import { SIZE_BUDGET_GZIP } from "./widget-budget.ts";

/** What `wrangler.toml` holds until `wrangler d1 create` gives a real id. */
export const PLACEHOLDER_DATABASE_ID = "00000000-0000-0000-0000-000000000000";

export interface ConfigReport {
  errors: string[];
  warnings: string[];
  databaseName: string | null;
}

/** A `key = "value"` line of a TOML document (good enough for wrangler.toml's flat keys). */
function tomlStrings(text: string, key: string): string[] {
  const pattern = new RegExp(`^\\s*${key}\\s*=\\s*"([^"]*)"`, "gm");
  return [...text.matchAll(pattern)].map((match) => match[1] ?? "");
}

const isLocalOrigin = (origin: string) => /^https?:\/\/(127\.\d+\.\d+\.\d+|localhost|\[::1\])(:\d+)?$/i.test(origin);

/**
 * Reads a wrangler configuration and says what stops a production deploy.
 * `file` names it in the messages: production settings live in a copy
 * (`wrangler.production.toml`, docs/deploy.md step 2), since `npm test`
 * checks `wrangler.toml` as committed, for development.
 */
export function checkConfig(text: string, file = "wrangler.toml"): ConfigReport {
  const errors: string[] = [];
  const warnings: string[] = [];
  const ids = tomlStrings(text, "database_id");
  const databaseName = tomlStrings(text, "database_name")[0] ?? null;
  const where =
    file === "wrangler.toml"
      ? "a copy, wrangler.production.toml, then run `npm run deploy -- --config wrangler.production.toml`"
      : file;
  if (ids.length === 0 || ids.some((id) => id === PLACEHOLDER_DATABASE_ID || /^0{8}-(0{4}-){3}0{12}$/.test(id))) {
    errors.push(
      `${file} still has the placeholder database_id ${PLACEHOLDER_DATABASE_ID}. Create the database in the EU ` +
        `jurisdiction with \`npx wrangler d1 create ${databaseName ?? "opencontact-consent"} --jurisdiction eu\` ` +
        `and put the id it prints into [[d1_databases]] of ${where} (docs/deploy.md, step 2).`,
    );
  }
  const origins = (tomlStrings(text, "ALLOWED_ORIGINS")[0] ?? "")
    .split(",")
    .map((origin) => origin.trim())
    .filter(Boolean);
  if (origins.length === 0 || origins.every(isLocalOrigin)) {
    errors.push(
      "ALLOWED_ORIGINS lists only local origins, so no real site could record a consent. Set it to your " +
        'site origins, e.g. ALLOWED_ORIGINS = "https://www.example.co.uk,https://example.co.uk" (docs/deploy.md, step 5).',
    );
  } else if (origins.some((origin) => origin.startsWith("http://") && !isLocalOrigin(origin))) {
    warnings.push("ALLOWED_ORIGINS has a plain-http origin; production sites should be https only.");
  }
  const team = tomlStrings(text, "ACCESS_TEAM_DOMAIN")[0] ?? "";
  const audience = tomlStrings(text, "ACCESS_AUD")[0] ?? "";
  if (!team || !audience) {
    warnings.push(
      "ACCESS_TEAM_DOMAIN or ACCESS_AUD is empty: staff can sign in with staff tokens only, not Cloudflare Access " +
        "(docs/deploy.md, step 4).",
    );
  }
  // The worker falls back to opt-in everywhere on a bad rules setting and logs it; a deploy refuses it.
  const { problems } = parseRulesSettings({
    UK_EXCEPTION: tomlStrings(text, "UK_EXCEPTION")[0],
    UK_CROWN_DEPENDENCIES: tomlStrings(text, "UK_CROWN_DEPENDENCIES")[0],
    OTHER_RULE_SET: tomlStrings(text, "OTHER_RULE_SET")[0],
  });
  for (const problem of problems) errors.push(`${file}: ${problem} (docs/configuration.md, "Rules by region").`);
  return { errors, warnings, databaseName };
}

/** Shorter than this is no secret (the worker refuses it too: worker/lib/auth/session.ts). */
const SESSION_SECRET_MIN_LENGTH = 32;

/** A secrets file as wrangler reads it: a JSON object, or `NAME=value` lines. */
export function parseSecrets(text: string): Record<string, string> {
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)) {
      return Object.fromEntries(Object.entries(parsed).map(([name, value]) => [name, String(value)]));
    }
  } catch {
    // Not JSON: dotenv lines.
  }
  const secrets: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const match = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$/.exec(line);
    if (match?.[1]) secrets[match[1]] = (match[2] ?? "").replace(/^(['"])(.*)\1$/, "$2");
  }
  return secrets;
}

/**
 * What stops a secrets file from going to production: any value of the
 * public `.dev.vars.example` (the `dev` token's digest inside STAFF_TOKENS,
 * its SESSION_SECRET, its receipt key, its CHECKPOINT_KEY), a short
 * SESSION_SECRET, a STAFF_TOKENS that is not a JSON object (the worker
 * would let nobody in by token), a RECEIPT_SIGNING_KEYS that would sign no
 * receipt, a CHECKPOINT_KEY that is not 32 bytes of base64 (the cron could
 * sign no checkpoint).
 */
export function checkSecrets(text: string, example: string, file = "the secrets file"): string[] {
  const errors: string[] = [];
  const secrets = parseSecrets(text);
  const local = parseSecrets(example);
  const localDigests = Object.values(safeObject(local.STAFF_TOKENS ?? "{}") ?? {});
  const tokens = secrets.STAFF_TOKENS;
  if (tokens !== undefined) {
    const parsed = safeObject(tokens);
    if (!parsed) {
      errors.push(`STAFF_TOKENS in ${file} is not a JSON object of name -> SHA-256 hex; use {} for Access only.`);
    } else if (Object.values(parsed).some((digest) => localDigests.includes(String(digest).toLowerCase()))) {
      errors.push(
        `STAFF_TOKENS in ${file} holds the public local development token of .dev.vars.example (anyone can sign in ` +
          "with it). Remove it; make real tokens with `npm run staff-token -- <name>`.",
      );
    }
  }
  const secret = secrets.SESSION_SECRET;
  if (secret !== undefined && (secret === local.SESSION_SECRET || secret.length < SESSION_SECRET_MIN_LENGTH)) {
    errors.push(
      `SESSION_SECRET in ${file} is ${secret === local.SESSION_SECRET ? "the public example of .dev.vars.example" : `shorter than ${SESSION_SECRET_MIN_LENGTH} characters`}. ` +
        "Use a random one: `openssl rand -base64 32` (docs/deploy.md, step 4).",
    );
  }
  const receiptKeys = secrets.RECEIPT_SIGNING_KEYS;
  if (receiptKeys !== undefined) {
    const { published, problems } = parseReceiptKeys(receiptKeys);
    const localKeys = parseReceiptKeys(local.RECEIPT_SIGNING_KEYS).published.map((key) => key.x);
    if (published.some((key) => localKeys.includes(key.x))) {
      errors.push(
        `RECEIPT_SIGNING_KEYS in ${file} holds the public local key of .dev.vars.example (anyone could sign ` +
          "receipts with it). Make a key of your own (docs/proof.md, rotation).",
      );
    } else if (problems.length > 0) {
      errors.push(`${problems.join("; ")} (in ${file}; docs/proof.md).`);
    }
  }
  const checkpointKey = secrets.CHECKPOINT_KEY;
  if (checkpointKey !== undefined && (checkpointKey === local.CHECKPOINT_KEY || !isBase64Of32Bytes(checkpointKey))) {
    errors.push(
      `CHECKPOINT_KEY in ${file} is ${checkpointKey === local.CHECKPOINT_KEY ? "the public example of .dev.vars.example (anyone could sign checkpoints)" : "not 32 bytes in base64"}. ` +
        "Use a random one: `openssl rand -base64 32` (docs/deploy.md, step 4).",
    );
  }
  return errors;
}

function isBase64Of32Bytes(text: string): boolean {
  return /^[A-Za-z0-9+/_-]{43}=?$/.test(text.trim());
}

function safeObject(text: string): Record<string, unknown> | null {
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

const ENV = { ...process.env, WRANGLER_SEND_METRICS: "false" };

function run(title: string, command: string, args: string[]): void {
  console.log(`\n▶ ${title}: ${command} ${args.join(" ")}`);
  const result = spawnSync(command, args, { stdio: "inherit", env: ENV });
  if (result.status !== 0) {
    console.error(`\n✖ ${title} failed; nothing was deployed.`);
    process.exit(result.status ?? 1);
  }
}

function capture(command: string, args: string[]): { ok: boolean; stdout: string; stderr: string } {
  const result = spawnSync(command, args, { env: ENV, encoding: "utf8" });
  return { ok: result.status === 0, stdout: result.stdout ?? "", stderr: result.stderr ?? "" };
}

function widgetGzipBytes(): number {
  const release = JSON.parse(readFileSync("dist/public/consent-release.json", "utf8")) as { gzipBytes: number };
  return release.gzipBytes;
}

/** The value after `flag` in `argv`, "" when the flag ends it, null when absent. */
function flagValue(argv: string[], flag: string): string | null {
  const index = argv.indexOf(flag);
  return index >= 0 ? (argv[index + 1] ?? "") : null;
}

async function main(argv: string[]): Promise<void> {
  const checkOnly = argv.includes("--check");
  const previousRelease = flagValue(argv, "--previous-release");
  const configPath = flagValue(argv, "--config") || "wrangler.toml";
  const configArgs = configPath === "wrangler.toml" ? [] : ["--config", configPath];
  const secretsPath = flagValue(argv, "--secrets-file");
  const secretsArgs = secretsPath !== null ? ["--secrets-file", secretsPath] : [];

  const report = checkConfig(readFileSync(configPath, "utf8"), configPath);
  if (secretsPath !== null) {
    report.errors.push(
      ...checkSecrets(readFileSync(secretsPath, "utf8"), readFileSync(".dev.vars.example", "utf8"), secretsPath),
    );
  }
  for (const warning of report.warnings) console.warn(`⚠ ${warning}`);
  if (report.errors.length > 0) {
    for (const error of report.errors) console.error(`✖ ${error}`);
    console.error("\nRefusing to deploy: fix the configuration above first.");
    process.exit(1);
  }
  if (!checkOnly && previousRelease === null && !argv.includes("--first-deploy")) {
    console.error(
      "✖ Pass --previous-release https://<your consent host> so the live widget files stay served " +
        "(pages that cached the old consent.js, pinned versions), or --first-deploy when nothing is live yet.",
    );
    process.exit(1);
  }
  const database = report.databaseName ?? "opencontact-consent";

  // The README's test command: build (the widget size budget fails it), types, typecheck, lint, every test.
  run("tests", "npm", ["test"]);
  const gzip = widgetGzipBytes();
  if (gzip > SIZE_BUDGET_GZIP) {
    console.error(`✖ consent.js is ${gzip} bytes gzip, over the ${SIZE_BUDGET_GZIP}-byte budget.`);
    process.exit(1);
  }
  console.log(`✔ consent.js is ${gzip} bytes gzip (budget ${SIZE_BUDGET_GZIP}).`);
  if (previousRelease) {
    try {
      const kept = await keepPreviousRelease(previousRelease, "dist/public");
      if (kept)
        console.log(`✔ Live widget files kept: ${kept.written.length} carried over, ${kept.present.length} rebuilt.`);
      else console.log(`✔ No release is live at ${previousRelease} yet: nothing to keep.`);
    } catch (error) {
      console.error(`✖ Could not keep the live widget files: ${(error as Error).message}`);
      process.exit(1);
    }
  }
  const outdir = mkdtempSync(join(tmpdir(), "opencontact-deploy-"));
  run("bundle (dry run)", "npx", ["wrangler", "deploy", "--dry-run", "--outdir", outdir, ...configArgs]);
  if (checkOnly) {
    console.log("\n✔ All local checks passed (--check: nothing deployed).");
    return;
  }

  // The privacy statement promises EEA storage: a location hint is not a guarantee, a jurisdiction is.
  const info = capture("npx", ["wrangler", "d1", "info", database, "--json", ...configArgs]);
  if (!info.ok) {
    console.error(`✖ Could not read D1 database "${database}" (signed in? \`npx wrangler login\`):\n${info.stderr}`);
    process.exit(1);
  }
  const jurisdiction = (JSON.parse(info.stdout.slice(info.stdout.indexOf("{"))) as { jurisdiction?: string })
    .jurisdiction;
  if (jurisdiction !== "eu") {
    console.error(
      `✖ D1 database "${database}" is in jurisdiction "${jurisdiction ?? "none"}", not "eu". A jurisdiction cannot ` +
        "be changed: create a new database with --jurisdiction eu (docs/deploy.md, step 2).",
    );
    process.exit(1);
  }
  console.log(`✔ D1 database "${database}" is in the EU jurisdiction.`);

  run("remote migrations", "npx", ["wrangler", "d1", "migrations", "apply", database, "--remote", ...configArgs]);
  run("deploy", "npx", ["wrangler", "deploy", ...configArgs, ...secretsArgs]);
  console.log("\n✔ Deployed. Next: docs/deploy.md, step 8 (check the live worker).");
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main(process.argv.slice(2));
