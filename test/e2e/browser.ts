/**
 * Chromium for browser tests: Debian's `chromium` (apt), driven by
 * playwright-core. Never `playwright install`: it downloads and fails here.
 */
import { type Browser, chromium } from "playwright-core";
import { afterAll, beforeAll } from "vitest";
import { CHROMIUM_ARGS, chromiumPath } from "../../scripts/chromium.ts";

export { chromiumPath };

/** QUIC off: the tests' servers speak HTTP/1.1 and 2 only. */
const ARGS = [...CHROMIUM_ARGS, "--disable-quic"];

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
