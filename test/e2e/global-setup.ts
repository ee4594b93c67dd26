/**
 * Starts one worker for the browser tests (or says plainly why they are
 * skipped). Tests that must stop and restart a worker start their own.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { CHROMIUM, SKIP_MESSAGE } from "./browser.ts";
import { E2E_TMP_ENV, startWorker } from "./worker-server.ts";

declare module "vitest" {
  export interface ProvidedContext {
    baseUrl: string;
    persistDir: string;
  }
}

export default async function setup(project: TestProject) {
  if (!CHROMIUM) {
    if (process.env.CI) throw new Error(`CI must run the browser tests. ${SKIP_MESSAGE}`);
    console.warn(`\n${SKIP_MESSAGE}\n`);
    project.provide("baseUrl", "");
    project.provide("persistDir", "");
    return;
  }
  // Every local D1 of this run, the test files' own included (they inherit the environment), in one folder.
  const runDir = mkdtempSync(join(tmpdir(), "opencontact-e2e-run-"));
  process.env[E2E_TMP_ENV] = runDir;
  const server = await startWorker();
  project.provide("baseUrl", server.url);
  project.provide("persistDir", server.persistDir);
  return async () => {
    await server.stop();
    rmSync(runDir, { recursive: true, force: true });
  };
}
