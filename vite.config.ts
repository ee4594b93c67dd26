/**
 * Builds the widget into one script, `dist/public/consent.js`, and copies the
 * static site files (`site/`) beside it for Workers static assets.
 */
import { defineConfig } from "vite";

export default defineConfig({
  publicDir: "site",
  oxc: { jsx: { runtime: "automatic", importSource: "preact" } },
  build: {
    outDir: "dist/public",
    emptyOutDir: true,
    target: "es2020",
    lib: {
      entry: "widget/index.tsx",
      formats: ["iife"],
      name: "OpenContactConsentBundle",
      fileName: () => "consent.js",
    },
  },
});
