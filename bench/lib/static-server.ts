/**
 * The bench's web server on 127.0.0.1: the bench pages and the peers' files,
 * then the whole `dist/public` folder at the root, as the worker serves it
 * (so ours finds whatever it loads from its own origin: `/consent.js`,
 * `/v/<version>/…`, parts), and a stand-in for `POST /api/consent` that
 * answers 201 as the log does, so a choice leaves nothing in the outbox,
 * and one for `GET /api/rules` that answers each rules page (`RULES_PAGES`)
 * as the worker answers a visitor from that page's region: the bench tells
 * the pages apart by the request's Referer, the one thing a same-origin
 * fetch of a fixed URL carries from its page.
 * Every request is logged, so a scenario counts what the browser actually
 * fetched over the network.
 */
import { readdirSync, readFileSync } from "node:fs";
import { createServer } from "node:http";
import { extname, join, relative, sep } from "node:path";
import { CONSENT_PATH } from "../../shared/api.ts";
import { RULES_PATH } from "../../shared/rules.ts";
import { type Asset, isRulesPage, rulesBody } from "./widget-pages.ts";

export interface Hit {
  /** Date.now() when the request arrived. */
  at: number;
  method: string;
  path: string;
  status: number;
}

export interface BenchServer {
  origin: string;
  assets: Map<string, Asset>;
  /** Every request so far, in arrival order. */
  hits: Hit[];
  close(): void;
}

const TYPES: Record<string, string> = {
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".html": "text/html; charset=utf-8",
  ".svg": "image/svg+xml",
  ".woff2": "font/woff2",
};

/** Every file under `folder`, by URL path. */
export function folderAssets(folder: string): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  for (const entry of readdirSync(folder, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = join(entry.parentPath, entry.name);
    const path = `/${relative(folder, file).split(sep).join("/")}`;
    assets.set(path, { type: TYPES[extname(file)] ?? "application/octet-stream", body: readFileSync(file) });
  }
  return assets;
}

/** Serves `pages` first, then `root` (a folder) at `/`. */
export function startServer(pages: Map<string, Asset>, root: string): Promise<BenchServer> {
  const assets = new Map([...folderAssets(root), ...pages]);
  const hits: Hit[] = [];
  const server = createServer((request, response) => {
    const path = new URL(request.url ?? "/", "http://127.0.0.1").pathname;
    const method = request.method ?? "GET";
    const hit = { at: Date.now(), method, path, status: 200 };
    hits.push(hit);
    request.resume();
    if (method === "POST" && path === CONSENT_PATH) {
      hit.status = 201;
      response.writeHead(201, { "Content-Type": "application/json" }).end("{}");
      return;
    }
    if (method === "GET" && path === RULES_PATH) {
      const page = /^\/([\w-]+)\.html$/.exec(new URL(request.headers.referer ?? "/", "http://127.0.0.1").pathname)?.[1];
      if (!page || !isRulesPage(page)) {
        hit.status = 400;
        response.writeHead(400, { "Content-Type": "application/json" }).end('{"error":"no rules page in Referer"}');
        return;
      }
      // As the worker sends it (worker/routes/rules.ts): per visitor, never cached.
      response
        .writeHead(200, { "Content-Type": "application/json", "Cache-Control": "private, no-store" })
        .end(rulesBody(page));
      return;
    }
    const asset = method === "GET" ? assets.get(path) : undefined;
    if (!asset) {
      hit.status = 404;
      response.writeHead(404, { "Content-Type": "application/json" }).end('{"error":"not found"}');
      return;
    }
    // Pages are never cached; the widgets' files as a CDN would (each run is a fresh context, so a
    // cold cache, but a file a widget asks for twice in one page comes from the cache as it would).
    const cache = asset.type.startsWith("text/html") ? "no-store" : "public, max-age=300";
    response.writeHead(200, { "Content-Type": asset.type, "Cache-Control": cache }).end(asset.body);
  });
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      resolve({ origin: `http://127.0.0.1:${port}`, assets, hits, close: () => server.close() });
    });
  });
}
