/**
 * A real site on its own loopback origin (Chromium's Local Network Access
 * rules forbid faking one with page.route) and a worker that allows it: the
 * set-up of every browser test that embeds the widget from another origin.
 */
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { freePort, startWorker, type WorkerServer } from "./worker-server.ts";

export interface SiteAndWorker {
  /** `http://localhost:<port>`: another origin than the worker's `127.0.0.1`. */
  siteOrigin: string;
  /** Where the widget and the consent API are served. */
  widgetOrigin: string;
  worker: WorkerServer;
}

/** Starts `site` and a worker whose ALLOWED_ORIGINS is the site's origin (plus `vars`). */
export async function serveSiteAndWorker(site: Server, vars: Record<string, string> = {}): Promise<SiteAndWorker> {
  await new Promise<void>((resolve) => site.listen(0, "127.0.0.1", resolve));
  const siteOrigin = `http://localhost:${(site.address() as AddressInfo).port}`;
  const port = await freePort();
  const worker = await startWorker({ port, vars: { ALLOWED_ORIGINS: siteOrigin, ...vars } });
  return { siteOrigin, widgetOrigin: `http://127.0.0.1:${port}`, worker };
}
