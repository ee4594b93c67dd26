/**
 * Starts one worker for the browser tests (or says plainly why they are
 * skipped). Tests that must stop and restart a worker start their own.
 */
import type { TestProject } from "vitest/node";
import { CHROMIUM, SKIP_MESSAGE } from "./browser.ts";
import { startWorker } from "./worker-server.ts";

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
  const server = await startWorker();
  project.provide("baseUrl", server.url);
  project.provide("persistDir", server.persistDir);
  return () => server.stop();
}
