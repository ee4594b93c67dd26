/**
 * Builds the widget: the core, `dist/public/consent.js`, and the parts it
 * loads on demand (widget/parts.ts has the contract), and copies the static
 * site files (`site/`: demo page, `_headers`) beside them for Workers static
 * assets. Parts are built first, each on its own, to `parts/<name>.<hash>.js`;
 * their Subresource Integrity hashes (sha256; each file is named from its
 * hash, widget/part-file.ts) are baked into the core as `__OCC_PARTS__`. After the build it prints and enforces the
 * size budgets (scripts/widget-budget.ts), copies core and parts to the
 * immutable `v/<version>/` and writes `consent-release.json` (paths and SRI
 * hashes of the core and every part).
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";
import { build, defineConfig, type InlineConfig, type Plugin, type Rolldown } from "vite";
import { readLanguagePacks } from "./scripts/language-packs.ts";
import { budgetLines } from "./scripts/widget-budget.ts";
import { partFile } from "./widget/part-file.ts";

const OUT_DIR = "dist/public";
const CORE = "consent.js";
/**
 * Parts a first visit needs to show the banner: none. The banner is in the core, as measured: a
 * part would add a round trip after the core's before it shows (docs/widget-delivery.md).
 */
const FIRST_VISIT_PARTS: string[] = [];
const LANGUAGE_PACKS = "widget/lang/packs";

export interface PartSource {
  /** What the core asks for (`loadPart(name)`). */
  name: string;
  /** The module whose default export is the part. */
  entry: string;
}

/** Every part: one line each; a language pack per JSON file in widget/lang/packs, if that folder exists. */
export function partSources(): PartSource[] {
  const packs = existsSync(LANGUAGE_PACKS)
    ? readdirSync(LANGUAGE_PACKS)
        .filter((file) => file.endsWith(".json"))
        .sort()
        .map((file) => ({ name: `lang-${file.slice(0, -5)}`, entry: `${LANGUAGE_PACKS}/${file}` }))
    : [];
  return [
    { name: "send", entry: "widget/parts/send.ts" },
    { name: "dialog", entry: "widget/parts/dialog.ts" },
    { name: "site-pack", entry: "widget/parts/site-pack.ts" },
    { name: "placeholder", entry: "widget/parts/placeholder.ts" },
    { name: "rules", entry: "widget/parts/rules.ts" },
    { name: "diagnostics", entry: "widget/parts/diagnostics.ts" },
    ...packs,
  ];
}

/**
 * Core modules whose code parts take from the core (widget/parts.ts `shareWithParts`) instead of
 * bundling a copy: file -> the name the core shares it under and the exports it shares
 * (widget/ui/mount.ts; test/scripts/shared-with-parts.test.ts holds the two together). Files may
 * share one name: one object costs the core less than one per module. A part that imports any other
 * export of such a file fails the build (MISSING_EXPORT, naming the file), where it would otherwise
 * read `undefined` from the core's object.
 */
export const SHARED_WITH_PARTS: Record<string, { name: string; exports: string[] }> = {
  "shared/categories.ts": { name: "core", exports: ["ALL_GRANTED", "CATEGORY_IDS", "NO_CONSENT"] },
  "widget/ui/dom.ts": { name: "core", exports: ["el", "button"] },
};
const SHARED_PREFIX = "\0opencontact-shared:";

interface BuiltPart {
  name: string;
  /** Relative to the core's own URL. */
  file: string;
  code: Uint8Array;
  integrity: string;
}

/** The pinned core's SRI hash: sha384, as sites pin it. */
const sri = (code: Uint8Array) => `sha384-${createHash("sha384").update(code).digest("base64")}`;
/** A part's: sha256, the shortest digest, which the core carries once per part and names the file from. */
const partSri = (code: Uint8Array) => `sha256-${createHash("sha256").update(code).digest("base64")}`;
const gzipBytes = (code: Uint8Array) => gzipSync(code, { level: 9 }).length;
const kb = (bytes: number) => `${(bytes / 1024).toFixed(2)} KB`;

/** Minifier and syntax settings shared by the core and every part. */
const shared = {
  build: {
    // Browsers with constructable stylesheets (Chrome 73, Firefox 101, Safari 16.4) all run ES2022.
    target: "es2022",
    // terser: about 150 bytes gzip smaller than the default minifier on this bundle.
    minify: "terser",
    // A third pass still finds code to inline and fold (−10 B gzip on the core); a fourth finds nothing.
    terserOptions: { ecma: 2020, compress: { passes: 3 }, format: { comments: false } },
    cssMinify: "lightningcss",
    // The same browsers for CSS, with Firefox at 101 (es2022 means Firefox 93 to Vite): no -moz- copies of
    // properties every browser the widget runs in has unprefixed (min-width: fit-content, Firefox 94).
    cssTarget: ["chrome94", "edge94", "safari16.4", "ios16.4", "firefox101", "opera80"],
  },
} satisfies InlineConfig;

/**
 * V8's explicit compile hint (Chrome 136): a file that starts with this comment has every function
 * compiled eagerly, on a background thread while the file streams in, instead of each on the main
 * thread at its first call. Worth it where nearly every function runs as soon as the file does:
 * the dialog's part, whose functions all run to open the dialog (a trace of a click at 4x CPU, when
 * Preact rendered the dialog, showed 15 to 25 ms of main-thread compiling inside that render; not
 * measured again for the plain-DOM dialog). Not the core: compiled whole before it may run, it
 * gained nothing measurable and drew the banner later (docs/benchmarks.md). 29 bytes; other
 * engines read a comment.
 */
const EAGER_COMPILE_HINT = "//# allFunctionsCalledOnLoad";
const EAGER_PARTS = ["dialog"];

/** One part as a classic script that hands its default export to the core's `__occPart`. */
async function buildPart({ name, entry }: PartSource): Promise<BuiltPart> {
  const wrapper = "\0opencontact-part";
  const result = (await build({
    ...shared,
    configFile: false,
    publicDir: false,
    logLevel: "warn",
    plugins: [
      {
        name: "opencontact-part-entry",
        enforce: "pre",
        resolveId(id, importer) {
          if (id === wrapper) return id;
          const file = importer && id.startsWith(".") ? relative(".", resolve(dirname(importer), id)) : "";
          return SHARED_WITH_PARTS[file] ? `${SHARED_PREFIX}${file}` : undefined;
        },
        load(id) {
          if (id === wrapper) {
            return `import part from ${JSON.stringify(resolve(entry))};\n__occPart(${JSON.stringify(name)}, part);\n`;
          }
          const shared = SHARED_WITH_PARTS[id.startsWith(SHARED_PREFIX) ? id.slice(SHARED_PREFIX.length) : ""];
          if (!shared) return;
          return `export const { ${shared.exports.join(", ")} } = __occPart.s[${JSON.stringify(shared.name)}];\n`;
        },
      },
    ],
    build: {
      ...shared.build,
      write: false,
      rollupOptions: { input: wrapper, output: { format: "iife", entryFileNames: "part.js" } },
    },
  })) as Rolldown.RolldownOutput;
  const chunk = result.output.find((item) => item.type === "chunk");
  if (!chunk) throw new Error(`part ${name}: no output`);
  const hint = EAGER_PARTS.includes(name) ? `${EAGER_COMPILE_HINT}\n` : "";
  // A part that fails as it runs must not throw into the host page: the core sees it unregistered and retries.
  const code = new TextEncoder().encode(`${hint}try{${chunk.code.trim()}}catch(e){console.error(e)}\n`);
  const integrity = partSri(code);
  return { name, file: partFile(name, integrity), code, integrity };
}

function widgetParts(): Plugin {
  let parts: BuiltPart[] = [];
  return {
    name: "opencontact-widget-parts",
    apply: "build",
    async config() {
      parts = [];
      // A pack short of a text, or with one too many, stops the build naming the file and the key.
      readLanguagePacks(LANGUAGE_PACKS);
      for (const source of partSources()) parts.push(await buildPart(source));
      const manifest = Object.fromEntries(parts.map(({ name, integrity }) => [name, integrity]));
      // The languages the core can load as parts, so it picks one without asking the network.
      const languages = parts.filter(({ name }) => name.startsWith("lang-")).map(({ name }) => name.slice(5));
      return { define: { __OCC_PARTS__: JSON.stringify(manifest), __OCC_LANGUAGES__: JSON.stringify(languages) } };
    },
    generateBundle() {
      for (const { file, code } of parts) this.emitFile({ type: "asset", fileName: file, source: code });
    },
    closeBundle() {
      const core = readFileSync(join(OUT_DIR, CORE));
      const coreGzip = gzipBytes(core);
      const brotli = brotliCompressSync(core, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length;
      const partGzip = Object.fromEntries(parts.map(({ name, code }) => [name, gzipBytes(code)]));
      console.log(`\n${CORE}: ${kb(core.length)} raw, ${kb(coreGzip)} gzip, ${kb(brotli)} brotli`);
      const lines = budgetLines({ core: coreGzip, parts: partGzip, firstVisitParts: FIRST_VISIT_PARTS });
      for (const { what, gzip, limit, target } of lines) {
        const goal = gzip > target ? `; target ${kb(target)}, ${kb(gzip - target)} to go` : "";
        console.log(`${gzip > limit ? "✖" : "✔"} ${what}: ${kb(gzip)} gzip (limit ${kb(limit)}${goal})`);
      }
      const over = lines.filter(({ gzip, limit }) => gzip > limit);
      if (over.length > 0) {
        throw new Error(
          `over the size limit: ${over.map(({ what, gzip }) => `${what} ${gzip} bytes gzip`).join(", ")}`,
        );
      }

      const { version } = JSON.parse(readFileSync("package.json", "utf8")) as { version: string };
      const pinned = `v/${version}`;
      mkdirSync(join(OUT_DIR, pinned, "parts"), { recursive: true });
      writeFileSync(join(OUT_DIR, pinned, CORE), core);
      for (const { file, code } of parts) writeFileSync(join(OUT_DIR, pinned, file), code);
      const integrity = sri(core);
      const release = {
        version,
        path: `/${pinned}/${CORE}`,
        integrity,
        gzipBytes: coreGzip,
        brotliBytes: brotli,
        firstVisitGzipBytes: FIRST_VISIT_PARTS.reduce((sum, name) => sum + (partGzip[name] ?? 0), coreGzip),
        // The chain a pinned core follows: each part it may load, under its own folder, with the hash it checks.
        parts: Object.fromEntries(
          parts.map(({ name, file, integrity, code }) => [
            name,
            { path: `/${pinned}/${file}`, integrity, gzipBytes: gzipBytes(code) },
          ]),
        ),
      };
      writeFileSync(join(OUT_DIR, "consent-release.json"), `${JSON.stringify(release, null, 2)}\n`);
      console.log(
        `pinned: <script src="https://CONSENT-HOST${release.path}" integrity="${integrity}" crossorigin="anonymous"></script>\n`,
      );
    },
  };
}

export default defineConfig({
  ...shared,
  publicDir: "site",
  plugins: [widgetParts()],
  build: {
    ...shared.build,
    // Two more assumptions for the core alone, whose every line is ours (−14 B gzip): reading a
    // property has no side effect (it reads no getter for its effect, such as a layout read), so
    // terser may reorder or inline reads; and a function expression that does not use `this` may
    // become an arrow (terser leaves those using `arguments`), as the core never calls one with
    // `new` nor reads its `prototype`.
    terserOptions: {
      ...shared.build.terserOptions,
      compress: { ...shared.build.terserOptions.compress, pure_getters: true, unsafe_arrows: true },
    },
    outDir: OUT_DIR,
    emptyOutDir: true,
    lib: {
      entry: "widget/index.ts",
      formats: ["iife"],
      name: "OpenContactConsentBundle",
      fileName: () => CORE,
    },
  },
});
