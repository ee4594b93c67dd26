/**
 * Builds the widget into one script, `dist/public/consent.js`, and copies the
 * static site files (`site/`: demo page, `_headers`) beside it for Workers
 * static assets. After the build it enforces the size budget (gzip) and
 * prints gzip and brotli sizes, writes the immutable versioned copy
 * `v/<version>/consent.js` and its Subresource Integrity hash (sha384).
 */
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";
import { defineConfig, type Plugin } from "vite";
import { SIZE_BUDGET_GZIP } from "./scripts/widget-budget.ts";

const OUT_DIR = "dist/public";

function widgetRelease(): Plugin {
  return {
    name: "opencontact-widget-release",
    apply: "build",
    closeBundle() {
      const code = readFileSync(join(OUT_DIR, "consent.js"));
      const gzip = gzipSync(code, { level: 9 }).length;
      const brotli = brotliCompressSync(code, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length;
      const kb = (bytes: number) => `${(bytes / 1024).toFixed(2)} KB`;
      console.log(
        `\nconsent.js: ${kb(code.length)} raw, ${kb(gzip)} gzip, ${kb(brotli)} brotli (budget ${kb(SIZE_BUDGET_GZIP)} gzip)`,
      );
      if (gzip > SIZE_BUDGET_GZIP) {
        throw new Error(`consent.js is ${gzip} bytes gzip, over the ${SIZE_BUDGET_GZIP}-byte budget`);
      }
      const { version } = JSON.parse(readFileSync("package.json", "utf8")) as { version: string };
      const path = `/v/${version}/consent.js`;
      mkdirSync(join(OUT_DIR, "v", version), { recursive: true });
      writeFileSync(join(OUT_DIR, path), code);
      const integrity = `sha384-${createHash("sha384").update(code).digest("base64")}`;
      const release = { version, path, integrity, gzipBytes: gzip, brotliBytes: brotli };
      writeFileSync(join(OUT_DIR, "consent-release.json"), `${JSON.stringify(release, null, 2)}\n`);
      console.log(
        `pinned: <script src="https://CONSENT-HOST${path}" integrity="${integrity}" crossorigin="anonymous" defer></script>\n`,
      );
    },
  };
}

export default defineConfig({
  publicDir: "site",
  // Classic JSX: Preact's own h() instead of the jsx-runtime module, a few hundred bytes less.
  oxc: { jsx: { runtime: "classic", pragma: "h", pragmaFrag: "Fragment" } },
  plugins: [widgetRelease()],
  build: {
    outDir: OUT_DIR,
    emptyOutDir: true,
    // Browsers with constructable stylesheets (Chrome 73, Firefox 101, Safari 16.4) all run ES2022.
    target: "es2022",
    // terser: about 150 bytes gzip smaller than the default minifier on this bundle.
    minify: "terser",
    terserOptions: { ecma: 2020, compress: { passes: 2 }, format: { comments: false } },
    cssMinify: "lightningcss",
    lib: {
      entry: "widget/index.tsx",
      formats: ["iife"],
      name: "OpenContactConsentBundle",
      fileName: () => "consent.js",
    },
  },
});
