/**
 * The build's language packs: the shipped ones are complete, and a pack that
 * is short of a text, has one too many, or is not the language its file name
 * says stops the build with the file and the exact key. The check command
 * tells a site owner the same, and the `textsHash` the widget will send.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { checkLanguagePack, packTextsHash, readLanguagePacks } from "../../scripts/language-packs.ts";
import {
  DEFAULT_MESSAGES,
  MESSAGE_KEYS,
  PART_MESSAGE_KEYS,
  PLACEHOLDER_MESSAGES,
  RULES_MESSAGES,
} from "../../shared/messages.ts";
import type { LanguagePack } from "../../widget/lang/check.ts";
import { resolveTexts, textsHash } from "../../widget/texts.ts";

const root = join(import.meta.dirname, "..", "..");
const script = join(root, "scripts/language-packs.ts");
const french = (): LanguagePack => JSON.parse(readFileSync(join(root, "widget/lang/packs/fr.json"), "utf8"));

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "language-packs-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const write = (name: string, value: unknown) =>
  writeFileSync(join(dir, name), typeof value === "string" ? value : JSON.stringify(value, null, 2));

/** The build's error for the packs in `dir`, one problem a line. */
function buildError(): string {
  try {
    readLanguagePacks(dir);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error("readLanguagePacks accepted the packs");
}

describe("readLanguagePacks", () => {
  it("reads the shipped packs, complete and in canonical form", () => {
    const packs = readLanguagePacks();
    expect(packs.map(({ tag }) => tag)).toContain("fr");
    for (const { tag, file, pack } of packs) {
      expect(file.endsWith(`${tag}.json`)).toBe(true);
      expect(pack.language).toBe(tag);
      expect(Object.keys(pack.messages).sort()).toEqual([...MESSAGE_KEYS].sort());
    }
  });

  it("keeps the company's name in the French texts and does not leave English behind", () => {
    const { messages } = french();
    expect(messages.bannerText).toContain("OpenContact Services Limited");
    expect(messages.dialogText).toContain("OpenContact Services Limited");
    expect(messages.acceptAll).toBe("Tout accepter");
    expect(messages.rejectAll).toBe("Tout refuser");
    expect(messages.manage).toBe("Gérer les préférences");
    // The dialog names the re-open control by its label.
    expect(messages.dialogText).toContain(messages.reopen);
    for (const key of Object.keys(DEFAULT_MESSAGES) as (keyof typeof DEFAULT_MESSAGES)[]) {
      expect(messages[key], key).not.toBe(DEFAULT_MESSAGES[key]);
    }
    const partDefaults: Record<string, string> = { ...PLACEHOLDER_MESSAGES, ...RULES_MESSAGES };
    for (const key of PART_MESSAGE_KEYS) expect(messages[key], key).not.toBe(partDefaults[key]);
  });

  it("returns the packs of a folder sorted by tag, skipping dot files", () => {
    write("fr.json", french());
    write("ar.json", { ...french(), language: "ar", dir: "rtl" });
    write(".DS_Store", "\0");
    expect(readLanguagePacks(dir).map(({ tag, pack }) => [tag, pack.dir])).toEqual([
      ["ar", "rtl"],
      ["fr", "ltr"],
    ]);
  });

  it("has no packs when the folder is missing", () => {
    expect(readLanguagePacks(join(dir, "none"))).toEqual([]);
  });

  it("fails naming the file and the missing key", () => {
    const pack = french();
    delete (pack.messages as Partial<LanguagePack["messages"]>).rejectAll;
    write("fr.json", pack);
    expect(buildError()).toBe(`language packs:\n${join(dir, "fr.json")}: messages.rejectAll: missing`);
  });

  it("fails naming an extra key", () => {
    write("fr.json", {
      ...french(),
      categories: { ...french().categories, marketing: { name: "x", description: "y" } },
    });
    expect(buildError()).toContain("fr.json: categories.marketing: unknown key");
  });

  it("fails on an empty text and on a text of the wrong type", () => {
    write("fr.json", { ...french(), messages: { ...french().messages, save: " ", close: ["Fermer"] } });
    const error = buildError();
    expect(error).toContain("fr.json: messages.save: not a non-empty text");
    expect(error).toContain("fr.json: messages.close: not a non-empty text");
  });

  it("fails on a bad direction", () => {
    write("fr.json", { ...french(), dir: "right-to-left" });
    expect(buildError()).toContain('fr.json: dir: use "ltr" or "rtl"');
  });

  it("fails when the file name is not the pack's language, or not a tag", () => {
    write("fr-CA.json", french());
    write("french.json", { ...french(), language: "french" });
    write("fr-ca.json", { ...french(), language: "fr-ca" });
    write("notes.txt", "translations to do");
    const error = buildError();
    expect(error).toContain('fr-CA.json: language: "fr" does not match the file name "fr-CA"');
    expect(error).toContain('french.json: file name: "french" is not a language tag in canonical case');
    expect(error).toContain('fr-ca.json: file name: "fr-ca" is not a language tag in canonical case');
    expect(error).toContain("notes.txt: file name: name the file <tag>.json");
  });

  it("fails on a pack for en-GB, the core's own texts", () => {
    write("en-GB.json", { ...french(), language: "en-GB" });
    expect(buildError()).toContain("en-GB.json: file name: en-GB is the core's own texts");
  });

  it("fails with the parser's message on broken JSON, and lists every bad file at once", () => {
    write("fr.json", '{ "language": "fr", }');
    write("de.json", { ...french(), language: "de", dir: "up" });
    const lines = buildError().split("\n");
    expect(lines[0]).toBe("language packs:");
    expect(lines[1]).toMatch(/de\.json: dir: use "ltr" or "rtl"$/);
    expect(lines[2]).toMatch(/fr\.json: .*JSON/);
  });
});

describe("checkLanguagePack", () => {
  it("lists nothing for a complete pack and each problem otherwise", () => {
    expect(checkLanguagePack(french(), "packs/fr.json")).toEqual([]);
    expect(checkLanguagePack({ ...french(), dir: "rtl", language: "de" }, "/site/packs/ar.json")).toEqual([
      'language: "de" does not match the file name "ar"',
    ]);
  });
});

describe("packTextsHash", () => {
  it("is the textsHash the widget sends for the pack's texts, whatever the file's key order", async () => {
    const pack = french();
    const reordered: LanguagePack = {
      categories: Object.fromEntries(
        Object.entries(pack.categories)
          .reverse()
          .map(([id, { name, description }]) => [id, { description, name }]),
      ) as LanguagePack["categories"],
      messages: Object.fromEntries(Object.entries(pack.messages).reverse()) as LanguagePack["messages"],
      dir: pack.dir,
      language: pack.language,
    };
    const shown = await textsHash(resolveTexts(pack));
    expect(shown).toMatch(/^[0-9a-f]{64}$/);
    expect(await packTextsHash(pack)).toBe(shown);
    expect(await packTextsHash(reordered)).toBe(shown);
  });
});

describe("node scripts/language-packs.ts check", () => {
  const run = (...args: string[]) => {
    try {
      const stdout = execFileSync(process.execPath, [script, ...args], { encoding: "utf8", stdio: "pipe" });
      return { status: 0, stdout, stderr: "" };
    } catch (error) {
      const { status, stdout, stderr } = error as { status: number; stdout: string; stderr: string };
      return { status, stdout, stderr };
    }
  };

  it("prints the textsHash of a complete pack and exits 0", async () => {
    write("fr.json", french());
    const result = run("check", join(dir, "fr.json"));
    expect(result.status).toBe(0);
    expect(result.stdout).toBe(`${join(dir, "fr.json")}: complete; textsHash ${await packTextsHash(french())}\n`);
  });

  it("prints each problem with its file and key and exits 1", () => {
    mkdirSync(join(dir, "site"));
    const { reopen: _, ...messages } = french().messages;
    write("site/de.json", { ...french(), language: "de", messages: { ...messages, reopn: "Cookie-Einstellungen" } });
    const file = join(dir, "site/de.json");
    const result = run("check", file);
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(`${file}: messages.reopen: missing\n${file}: messages.reopn: unknown key\n`);
  });

  it("explains its usage", () => {
    const result = run();
    expect(result.status).toBe(2);
    expect(result.stderr).toContain("usage: node scripts/language-packs.ts check");
  });
});
