/**
 * axe-core in a real page: injected over the DevTools protocol, so a strict
 * page CSP neither blocks it nor reports it; returns its violations as lines.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { Page } from "playwright-core";

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

interface AxeResult {
  violations: { id: string; impact: string; nodes: { target: unknown[] }[] }[];
}

export async function axe(page: Page): Promise<string[]> {
  // Evaluated over the DevTools protocol, which the page's CSP does not govern.
  await page.evaluate(AXE_SOURCE);
  const result = await page.evaluate(
    () => (window as unknown as { axe: { run(): Promise<AxeResult> } }).axe.run() as Promise<AxeResult>,
  );
  return result.violations.map(
    (violation) => `${violation.id} (${violation.impact}): ${JSON.stringify(violation.nodes.map((n) => n.target))}`,
  );
}
