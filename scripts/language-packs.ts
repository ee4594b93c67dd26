/**
 * Language packs at build time: reads `widget/lang/packs/<tag>.json`, and
 * fails the build naming the file and the exact key of any pack that is
 * short of a text, has one too many, or is not the language its name says
 * (the rules live in widget/lang/check.ts, shared with the widget's check of
 * a site's own pack). Also a command for site owners, to check a pack before
 * they serve it and learn the `textsHash` its consents will carry:
 *
 *   node scripts/language-packs.ts check de.json [it.json …]
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { CATEGORY_IDS } from "../shared/categories.ts";
import { MESSAGE_KEYS } from "../shared/messages.ts";
import { sha256Hex } from "../shared/revision.ts";
import { type LanguagePack, PACK_TAG, packProblems } from "../widget/lang/check.ts";
import { CORE_LANGUAGE } from "../widget/lang/choose.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

const PACKS_DIR = "widget/lang/packs";

export interface LanguagePackFile {
  /** The pack's tag, its file name without `.json`. */
  tag: string;
  /** Path of the file, as read. */
  file: string;
  pack: LanguagePack;
}

/** The tag a pack file's name gives: `fr-CA.json` -> `fr-CA`. */
const tagOf = (file: string) => basename(file).replace(/\.json$/, "");

/** What is wrong with a pack's file name: it names the pack's language, and en-GB is the core's. */
function fileNameProblem(file: string): string | undefined {
  const tag = tagOf(file);
  if (!file.endsWith(".json")) return "file name: name the file <tag>.json, e.g. fr.json";
  if (!PACK_TAG.test(tag))
    return `file name: "${tag}" is not a language tag in canonical case (fr, fr-CA, zh-Hant, es-419)`;
  if (tag.toLowerCase() === CORE_LANGUAGE.toLowerCase()) {
    return `file name: ${CORE_LANGUAGE} is the core's own texts (shared/messages.ts; a site rewords them in its JSON block)`;
  }
}

/**
 * Every problem with `value` read from `file` (its name first, then the
 * pack's own, each naming the key); empty for a complete pack.
 */
export function checkLanguagePack(value: unknown, file: string): string[] {
  const nameProblem = fileNameProblem(file);
  return [...(nameProblem ? [nameProblem] : []), ...packProblems(value, tagOf(file))];
}

/** Parses a pack file: the JSON and its problems, or why it cannot be read. */
function readPackFile(file: string): { value?: unknown; problems: string[] } {
  // Not JSON by name: say so, rather than what the parser makes of it.
  if (!file.endsWith(".json")) return { problems: [fileNameProblem(file) as string] };
  try {
    const value: unknown = JSON.parse(readFileSync(file, "utf8"));
    return { value, problems: checkLanguagePack(value, file) };
  } catch (error) {
    return { problems: [(error as Error).message] };
  }
}

/**
 * The packs in `dir` (relative to the repository), sorted by tag. Throws one
 * Error listing every problem of every file, one a line, each as
 * `<file>: <key>: <what is wrong>`; a build must not ship half a language.
 */
export function readLanguagePacks(dir = PACKS_DIR): LanguagePackFile[] {
  const folder = resolve(root, dir);
  if (!existsSync(folder)) return [];
  const packs: LanguagePackFile[] = [];
  const problems: string[] = [];
  for (const name of readdirSync(folder).sort()) {
    if (name.startsWith(".")) continue;
    const file = join(folder, name);
    const read = readPackFile(file);
    problems.push(...read.problems.map((problem) => `${join(dir, name)}: ${problem}`));
    if (!read.problems.length) packs.push({ tag: tagOf(name), file, pack: read.value as LanguagePack });
  }
  if (problems.length) throw new Error(`language packs:\n${problems.join("\n")}`);
  return packs;
}

/**
 * SHA-256 of the texts a visitor reads with `pack`, exactly as the widget
 * hashes them into `textsHash` (widget/texts.ts: messages in the order of
 * shared/messages.ts, categories in the statement's order), so the site can
 * match a logged hash to the pack version it served.
 */
export function packTextsHash(pack: LanguagePack): Promise<string> {
  // Keys in the widget's order, whatever the file's order: the same texts must give the same hash.
  const categories = CATEGORY_IDS.map((id) => ({
    id,
    name: pack.categories[id].name,
    description: pack.categories[id].description,
  }));
  const messages = Object.fromEntries(MESSAGE_KEYS.map((key) => [key, pack.messages[key]]));
  return sha256Hex(JSON.stringify({ categories, messages }));
}

async function main(args: string[]): Promise<number> {
  const [command, ...files] = args;
  if (command !== "check" || !files.length) {
    console.error("usage: node scripts/language-packs.ts check <tag>.json [<tag>.json …]");
    return 2;
  }
  let failed = false;
  for (const file of files) {
    const read = readPackFile(file);
    if (read.problems.length) {
      failed = true;
      for (const problem of read.problems) console.error(`${file}: ${problem}`);
    } else {
      console.log(`${file}: complete; textsHash ${await packTextsHash(read.value as LanguagePack)}`);
    }
  }
  return failed ? 1 : 0;
}

if (import.meta.main) process.exitCode = await main(process.argv.slice(2));
