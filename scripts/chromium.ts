/**
 * @module
 * Debian's Chromium for everything here that drives a browser (the scanner,
 * the browser tests, the widget bench): found on PATH or through `$CHROMIUM`,
 * driven by playwright-core. Never `playwright install`: it downloads a
 * browser build, which fails offline and is not the browser visitors run.
 */
import { execFileSync } from "node:child_process";

/** Headless, no sandbox (root in containers), nothing phoning home. */
export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** The binary from `$CHROMIUM`, else `chromium` on PATH, else null. */
export function chromiumPath(): string | null {
  if (process.env.CHROMIUM) return process.env.CHROMIUM;
  try {
    return execFileSync("sh", ["-c", "command -v chromium || command -v chromium-browser"], {
      encoding: "utf8",
    }).trim();
  } catch {
    return null;
  }
}
