/**
 * The cookie declaration (content/cookies.json): the schema's messages name
 * the path and what is wrong, a mistake fails the generator (so `npm run
 * build`) and writes nothing, the canonical JSON is part of the revision,
 * and the file tells the truth about the product and the demo site.
 */
import { execFile } from "node:child_process";
import { cp, mkdtemp, readdir, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  canonicalDeclaration,
  type Declaration,
  firstPartyCookieNames,
  validateDeclaration,
} from "../../shared/declaration-schema.ts";
import { REVISION } from "../../shared/generated/build-info.ts";
import { DEFAULT_MESSAGES } from "../../shared/messages.ts";
import { bannerTexts, computeRevision, revisionSource } from "../../shared/revision.ts";
import { OUTBOX_KEY } from "../../widget/log-client.ts";
import { CONSENT_COOKIE, RECEIPT_KEY } from "../../widget/storage.ts";

const root = join(import.meta.dirname, "../..");
const run = promisify(execFile);

async function fileDeclaration(): Promise<Declaration> {
  return JSON.parse(await readFile(join(root, "content/cookies.json"), "utf8"));
}

// biome-ignore lint/suspicious/noExplicitAny: test data, broken one field at a time
type Json = any;

/** A small valid declaration to break one thing at a time. */
function sample(): Json {
  return {
    categories: {
      necessary: { services: [] },
      analytics: {
        services: [
          {
            name: "Google Analytics",
            provider: "Google Ireland Limited",
            privacyUrl: "https://policies.google.com/privacy",
            hosts: ["www.googletagmanager.com"],
            items: [
              { name: "_ga", kind: "cookie", party: "first", purpose: "Counts visitors.", duration: "2 years" },
              { name: "_ga_*", kind: "cookie", party: "first", purpose: "Keeps the visit.", duration: "2 years" },
              { name: "_gid", kind: "cookie", party: "first", purpose: "Counts visitors.", duration: "24 hours" },
            ],
          },
        ],
      },
      functionality: { services: [] },
      targeting: {
        services: [
          {
            name: "Meta Pixel",
            provider: "Meta Platforms Ireland Limited",
            privacyUrl: "https://www.facebook.com/privacy/policy/",
            items: [
              {
                name: "fr",
                kind: "cookie",
                party: "third",
                domain: "facebook.com",
                purpose: "Adverts.",
                duration: "90 days",
              },
            ],
          },
        ],
      },
    },
  };
}

const ITEM = "categories.analytics.services[0].items[2]";

function errorsOf(mutate: (declaration: Json) => void): string[] | undefined {
  const declaration = sample();
  mutate(declaration);
  return validateDeclaration(declaration).errors;
}

const analyticsService = (d: Json) => d.categories.analytics.services[0];
const analyticsItem = (d: Json) => analyticsService(d).items[2];
const thirdPartyItem = (d: Json) => d.categories.targeting.services[0].items[0];

/** The same data with every object's keys in reverse order. */
function reverseKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reverseKeys);
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(
    Object.entries(value)
      .reverse()
      .map(([key, inner]) => [key, reverseKeys(inner)]),
  );
}

describe("the declaration schema", () => {
  it("accepts a valid declaration", () => {
    expect(validateDeclaration(sample()).errors).toBeUndefined();
  });

  it.each<[string, (d: Json) => void, string]>([
    [
      "an empty duration",
      (d) => {
        analyticsItem(d).duration = "";
      },
      `${ITEM}.duration: must be a non-empty string`,
    ],
    [
      "a blank purpose",
      (d) => {
        analyticsItem(d).purpose = "  ";
      },
      `${ITEM}.purpose: must be a non-empty string`,
    ],
    [
      "a missing duration",
      (d) => {
        delete analyticsItem(d).duration;
      },
      `${ITEM}.duration: is missing`,
    ],
    [
      "an unknown kind",
      (d) => {
        analyticsItem(d).kind = "cookies";
      },
      `${ITEM}.kind: must be one of cookie, localStorage, sessionStorage, indexedDB`,
    ],
    [
      "an unknown party",
      (d) => {
        analyticsItem(d).party = "1st";
      },
      `${ITEM}.party: must be first or third`,
    ],
    [
      "a misspelt key",
      (d) => {
        const item = analyticsItem(d);
        item.purpse = item.purpose;
      },
      `${ITEM}.purpse: unknown key: check its spelling, or remove it`,
    ],
    [
      "a cookie name with a space",
      (d) => {
        analyticsItem(d).name = "_g id";
      },
      `${ITEM}.name: must be a name, or a prefix ending in * (cookie names: no spaces or ()<>@,;:\\"/[]?={})`,
    ],
    [
      "a * inside a name",
      (d) => {
        analyticsItem(d).name = "_ga_*_x";
      },
      `${ITEM}.name: must be a name, or a prefix ending in * (cookie names: no spaces or ()<>@,;:\\"/[]?={})`,
    ],
    [
      "a domain on a first-party item",
      (d) => {
        analyticsItem(d).domain = "google.com";
      },
      `${ITEM}.domain: only belongs to third-party items: remove it, a first-party item is the site's own`,
    ],
    [
      "a third-party item without its domain",
      (d) => {
        delete thirdPartyItem(d).domain;
      },
      "categories.targeting.services[0].items[0].domain: is required when party is third: the domain that sets it, e.g. doubleclick.net",
    ],
    [
      "a domain written as a URL",
      (d) => {
        thirdPartyItem(d).domain = "https://facebook.com";
      },
      "categories.targeting.services[0].items[0].domain: must be a host name such as doubleclick.net (lower case, no scheme or leading dot)",
    ],
    [
      "a privacy notice over http",
      (d) => {
        analyticsService(d).privacyUrl = "http://policies.google.com/privacy";
      },
      "categories.analytics.services[0].privacyUrl: must be an https URL, or a path on this site starting with /",
    ],
    [
      "a host with a path",
      (d) => {
        analyticsService(d).hosts = ["www.googletagmanager.com/gtag/js"];
      },
      "categories.analytics.services[0].hosts[0]: must be a host name such as doubleclick.net (lower case, no scheme or leading dot)",
    ],
    [
      "a service without items",
      (d) => {
        delete analyticsService(d).items;
      },
      "categories.analytics.services[0].items: is missing",
    ],
    [
      "a missing category",
      (d) => {
        delete d.categories.functionality;
      },
      "categories.functionality: is missing",
    ],
    [
      "a category of its own",
      (d) => {
        d.categories.marketing = { services: [] };
      },
      "categories.marketing: unknown key: check its spelling, or remove it",
    ],
    [
      "services that are not a list",
      (d) => {
        d.categories.necessary = { services: {} };
      },
      "categories.necessary.services: must be a list (empty when the category has none)",
    ],
    [
      "one cookie declared twice",
      (d) => {
        d.categories.targeting.services[0].items.push({ ...analyticsItem(d), name: "_ga" });
      },
      "categories.targeting.services[0].items[1].name: _ga is declared already at categories.analytics.services[0].items[0]",
    ],
  ])("refuses %s, naming the path and what is wrong", (_, mutate, message) => {
    expect(errorsOf(mutate)).toEqual([message]);
  });

  it("reports every mistake at once, and a file that is not an object", () => {
    const errors = errorsOf((d) => {
      analyticsItem(d).duration = "";
      analyticsItem(d).kind = "cookie jar";
    });
    expect(errors).toEqual([
      `${ITEM}.kind: must be one of cookie, localStorage, sessionStorage, indexedDB`,
      `${ITEM}.duration: must be a non-empty string`,
    ]);
    expect(validateDeclaration(null).errors).toEqual(["(top level): must be an object"]);
  });
});

describe("the declaration in the revision", () => {
  it("keeps the revision when the file is only reformatted, and changes it when what it says changes", async () => {
    const markdown = "# Privacy Statement\n\nWords.";
    const revisionOf = async (declaration: unknown) => {
      const valid = validateDeclaration(declaration).declaration;
      if (!valid) throw new Error("invalid sample");
      return (await computeRevision(markdown, DEFAULT_MESSAGES, canonicalDeclaration(valid))).revision;
    };
    const original = await revisionOf(sample());

    expect(await revisionOf(JSON.parse(JSON.stringify(reverseKeys(sample()), null, 4)))).toBe(original);

    const longer = sample();
    analyticsItem(longer).duration = "25 hours";
    expect(await revisionOf(longer)).not.toBe(original);
    const added = sample();
    added.categories.functionality.services.push({ ...analyticsService(added), name: "Chat", items: [] });
    expect(await revisionOf(added)).not.toBe(original);
  });

  it("hashes revisions from before the declaration exactly as they were hashed then", () => {
    expect(revisionSource("# P", DEFAULT_MESSAGES, null)).toBe(
      JSON.stringify({ statement: "# P", banner: bannerTexts(DEFAULT_MESSAGES) }),
    );
    expect(JSON.parse(revisionSource("# P", DEFAULT_MESSAGES, '{"categories":{}}')).declaration).toBe(
      '{"categories":{}}',
    );
  });
});

describe("content/cookies.json", () => {
  it("is valid and already in canonical key order", async () => {
    const declaration = await fileDeclaration();
    expect(validateDeclaration(declaration).errors).toBeUndefined();
    expect(canonicalDeclaration(declaration)).toBe(JSON.stringify(declaration));
  });

  it("declares the widget's own cookie, outbox and kept receipt as strictly necessary", async () => {
    const necessary = (await fileDeclaration()).categories.necessary.services.flatMap((service) => service.items);
    expect(necessary).toEqual([
      expect.objectContaining({ name: CONSENT_COOKIE, kind: "cookie", party: "first" }),
      expect.objectContaining({ name: OUTBOX_KEY, kind: "localStorage", party: "first" }),
      expect.objectContaining({ name: RECEIPT_KEY, kind: "localStorage", party: "first" }),
    ]);
  });

  it("keeps every cookie name the widget deleted before, per category, and no storage or third-party names", async () => {
    expect(firstPartyCookieNames(await fileDeclaration())).toEqual({
      analytics: ["_ga", "_ga_*", "_gid", "_gat*"],
      functionality: ["demo_prefs"],
      targeting: ["_gcl_*", "_gac_*", "_fbp", "_fbc"],
    });
  });

  it("declares, in its category, every cookie the demo site's gated scripts set, with the lifetime they set", async () => {
    const declaration = await fileDeclaration();
    const html = await readFile(join(root, "site/index.html"), "utf8");
    const gated = [
      ...html.matchAll(/<script type="text\/plain" data-category="(\w+)"[^>]*?(?:data-)?src="\/demo\/([\w-]+\.js)"/g),
    ];
    const setting: string[] = [];
    for (const [, category, file] of gated) {
      const source = await readFile(join(root, "site/demo", file as string), "utf8");
      const items = declaration.categories[category as keyof Declaration["categories"]].services.flatMap(
        (service) => service.items,
      );
      for (const [, name, maxAge] of source.matchAll(/document\.cookie = "([^=]+)=[^"]*Max-Age=(\d+)/g)) {
        setting.push(name as string);
        const item = items.find(
          (it) => it.name === name || (it.name.endsWith("*") && name?.startsWith(it.name.slice(0, -1))),
        );
        expect(item, `${name} (set by ${file}) in ${category}`).toMatchObject({ kind: "cookie", party: "first" });
        const days = Number(maxAge) / 86_400;
        const declared = item?.duration ?? "";
        const [amount = "", unit = ""] = declared.split(" ");
        const declaredDays = Number(amount) * ({ hours: 1 / 24, days: 1, year: 365, years: 365 }[unit] ?? Number.NaN);
        expect(declaredDays, `${name}: ${declared} vs Max-Age ${maxAge}`).toBe(days);
      }
    }
    expect(setting.sort()).toEqual(["_fbp", "_ga", "_ga_DEMO123", "_gid", "demo_prefs"]);
  });
});

describe("scripts/build-generated.ts on a copy of the repository", () => {
  let copy: string;

  beforeAll(async () => {
    copy = await mkdtemp(join(tmpdir(), "declaration-"));
    for (const path of ["scripts/build-generated.ts", "shared", "content", "package.json"]) {
      await cp(join(root, path), join(copy, path), {
        recursive: true,
        filter: (source) => !source.includes("/generated"),
      });
    }
    await symlink(join(root, "node_modules"), join(copy, "node_modules"), "dir");
  });
  afterAll(() => rm(copy, { recursive: true, force: true }));

  const generate = () =>
    run(process.execPath, ["scripts/build-generated.ts"], { cwd: copy }).then(
      () => ({ code: 0, stderr: "" }),
      (error: { code: number; stderr: string }) => ({ code: error.code, stderr: error.stderr }),
    );
  const generated = async () => readdir(join(copy, "shared/generated")).catch(() => []);
  const revisionInCopy = async () =>
    /REVISION = "([0-9a-f]{16})"/.exec(await readFile(join(copy, "shared/generated/build-info.ts"), "utf8"))?.[1];
  const writeDeclaration = (text: string) => writeFile(join(copy, "content/cookies.json"), text);

  it("fails on a mistake with the file, the path and what is wrong, and writes nothing", async () => {
    const declaration = JSON.parse(await readFile(join(root, "content/cookies.json"), "utf8"));
    declaration.categories.analytics.services[0].items[2].duration = "";
    await writeDeclaration(JSON.stringify(declaration, null, 2));
    const result = await generate();
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toBe(
      "content/cookies.json: categories.analytics.services[0].items[2].duration: must be a non-empty string",
    );
    expect(await generated()).toEqual([]);

    await writeDeclaration('{ "categories": { "necessary": { "services": [] }, }');
    const syntax = await generate();
    expect(syntax.code).toBe(1);
    expect(syntax.stderr).toMatch(/^content\/cookies\.json: invalid JSON: SyntaxError: .*position \d+/);
    expect(await generated()).toEqual([]);
  });

  it("generates the same revision as this build, and a new one when the declaration changes", async () => {
    await cp(join(root, "content/cookies.json"), join(copy, "content/cookies.json"));
    expect((await generate()).code).toBe(0);
    expect(await revisionInCopy()).toBe(REVISION);
    expect(await readFile(join(copy, "shared/generated/declared-cookies.ts"), "utf8")).toContain(
      '{"analytics":["_ga","_ga_*","_gid","_gat*"],"functionality":["demo_prefs"],"targeting":["_gcl_*","_gac_*","_fbp","_fbc"]}',
    );

    const declaration = JSON.parse(await readFile(join(root, "content/cookies.json"), "utf8"));
    declaration.categories.targeting.services[1].items[0].duration = "180 days";
    await writeDeclaration(JSON.stringify(declaration));
    expect((await generate()).code).toBe(0);
    expect(await revisionInCopy()).not.toBe(REVISION);
  });
});
