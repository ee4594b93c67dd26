/**
 * Chromium for browser tests: Debian's `chromium` (apt), driven by
 * playwright-core. Never `playwright install`: it downloads and fails here.
 */
import { execFileSync } from "node:child_process";
import { type Browser, chromium } from "playwright-core";
import { afterAll, beforeAll } from "vitest";

const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
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

export const CHROMIUM = chromiumPath();

export const SKIP_MESSAGE =
  "Browser tests skipped: no Chromium found. Install it (apt-get install -y chromium) or set CHROMIUM=/path/to/chromium, then run npm test again.";

/** `extraArgs`: more Chromium switches, e.g. `--host-resolver-rules=…` for real host names. */
export function launchBrowser(extraArgs: readonly string[] = []): Promise<Browser> {
  if (!CHROMIUM) throw new Error(SKIP_MESSAGE);
  return chromium.launch({ executablePath: CHROMIUM, args: [...ARGS, ...extraArgs] });
}

/**
 * One browser for the enclosing describe block: launched before its tests,
 * closed after them. Returns a getter, since the browser exists only once
 * `beforeAll` has run.
 */
export function useBrowser(extraArgs: readonly string[] = []): () => Browser {
  let browser: Browser | undefined;
  beforeAll(async () => {
    browser = await launchBrowser(extraArgs);
  });
  afterAll(async () => {
    await browser?.close();
  });
  return () => {
    if (!browser) throw new Error("the browser is not launched yet: call it inside a test");
    return browser;
  };
}
