/**
 * Shared steps for the widget's browser tests: a fresh context per test (its
 * own cookies and storage), the demo's run log and the visitor's cookies.
 */
import type { Browser, BrowserContext, Page } from "playwright-core";
import { OUTBOX_KEY } from "../../widget/log-client.ts";

// Brings in the `window.OpenContactConsent` declaration for page.evaluate callbacks.
export type { OpenContactConsentApi } from "../../widget/types.ts";

export interface Visit {
  context: BrowserContext;
  page: Page;
  /** CSP violations reported by the page (securitypolicyviolation events and console). */
  violations: string[];
  /** Uncaught page errors. */
  errors: string[];
}

/** `bypassCSP`: the page's CSP does not apply to what the test injects (as for a browser extension's own styles). */
export async function visit(
  browser: Browser,
  url: string,
  options: { width?: number; height?: number; bypassCSP?: boolean } = {},
) {
  const context = await browser.newContext({
    viewport: { width: options.width ?? 1280, height: options.height ?? 800 },
    bypassCSP: options.bypassCSP ?? false,
  });
  const page = await context.newPage();
  const violations: string[] = [];
  const errors: string[] = [];
  await page.exposeFunction("__reportViolation", (text: string) => violations.push(text));
  await page.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (event) => {
      (window as unknown as { __reportViolation(text: string): void }).__reportViolation(
        `${event.violatedDirective} ${event.blockedURI}`,
      );
    });
  });
  page.on("console", (message) => {
    if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
  });
  page.on("pageerror", (error) => errors.push(error.message));
  if (url) await page.goto(url);
  return { context, page, violations, errors } satisfies Visit;
}

export function demoRuns(page: Page): Promise<string[]> {
  return page.evaluate(() => (window as unknown as { demoRuns?: string[] }).demoRuns ?? []);
}

export async function cookieNames(context: BrowserContext): Promise<string[]> {
  return (await context.cookies()).map((cookie) => cookie.name).sort();
}

/** Waits until the demo log holds these runs (gated scripts load asynchronously). */
export async function waitForRuns(page: Page, runs: string[]): Promise<void> {
  await page.waitForFunction(
    (expected) => {
      const seen = (window as unknown as { demoRuns?: string[] }).demoRuns ?? [];
      return expected.every((name) => seen.includes(name));
    },
    runs,
    { timeout: 10_000 },
  );
}

export const CATEGORY_COOKIES = ["_fbp", "_ga", "_ga_DEMO123", "_gid", "demo_prefs"];

/** Resolves once the widget's outbox is empty: every choice was confirmed by the worker. */
export async function waitForEmptyOutbox(page: Page): Promise<void> {
  await page.waitForFunction((key) => !localStorage.getItem(key), OUTBOX_KEY, { timeout: 30_000 });
}

/** Accessible name of the focused element, looking through shadow roots. */
export function focusedName(page: Page): Promise<string> {
  return page.evaluate(() => {
    let active = document.activeElement;
    while (active?.shadowRoot?.activeElement) active = active.shadowRoot.activeElement;
    if (!active || active === document.body) return "";
    const labelledBy = active.getAttribute("aria-labelledby");
    const root = active.getRootNode() as Document | ShadowRoot;
    const label = labelledBy ? root.getElementById(labelledBy)?.textContent : active.getAttribute("aria-label");
    return (label ?? active.textContent ?? "").trim();
  });
}

/** Presses Tab until the element named `name` has focus (at most `limit` times). */
export async function tabTo(page: Page, name: string, limit = 30): Promise<void> {
  for (let i = 0; i < limit; i++) {
    await page.keyboard.press("Tab");
    if ((await focusedName(page)) === name) return;
  }
  throw new Error(`Tab never reached ${name}`);
}
