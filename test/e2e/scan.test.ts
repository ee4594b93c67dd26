/**
 * `npm run scan`, run as a site owner runs it (the CLI in its own process,
 * real Chromium): the demo site scans clean against the repository's
 * declaration; a deliberately leaky shop, on its own host name with a real
 * third-party pixel host, is reported exactly; another banner is driven by
 * selectors; and a scan that cannot run exits 2 saying why.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { ScanReport } from "../../scripts/scan/report.ts";
import { CHROMIUM } from "./browser.ts";
import { freePort, startWorker, type WorkerServer } from "./worker-server.ts";

const ROOT = join(import.meta.dirname, "..", "..");
const FIXTURES = join(ROOT, "test", "fixtures", "scan");
const SCAN_TIMEOUT = 300_000;

interface ScanRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI without blocking this process, which serves the fixture site. */
function scan(args: string[]): Promise<ScanRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["scripts/scan.ts", ...args], { cwd: ROOT, env: { ...process.env } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => {
      stdout += chunk;
    });
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

/** `state kind name` per violation, sorted: the exact set a report must hold. */
function violationKeys(report: ScanReport): string[] {
  return report.violations.map((v) => `${v.state} ${v.item.kind} ${v.item.name}`).sort();
}

describe.skipIf(!CHROMIUM)("npm run scan", () => {
  let site: Server;
  let worker: WorkerServer;
  let shop = "";
  let out = "";
  const hostRules = () =>
    "--chromium-arg=--host-resolver-rules=MAP shop.test 127.0.0.1, MAP pixel.adnet.test 127.0.0.1";

  beforeAll(async () => {
    out = mkdtempSync(join(tmpdir(), "opencontact-scan-"));
    const workerPort = await freePort();
    const pages: Record<string, string> = {
      "/": "home.html",
      "/about": "about.html",
      "/other-banner": "other-banner.html",
      "/plain": "plain.html",
    };
    site = createServer((request, response) => {
      const host = (request.headers.host ?? "").split(":")[0];
      const path = new URL(request.url ?? "/", "http://shop.test").pathname;
      if (host === "pixel.adnet.test") {
        // A 1×1 GIF, as tracking pixels answer.
        response.writeHead(200, { "Content-Type": "image/gif" });
        response.end(Buffer.from("R0lGODlhAQABAAAAACwAAAAAAQABAAA=", "base64"));
        return;
      }
      const file = pages[path] ?? (path === "/analytics.js" ? "analytics.js" : undefined);
      if (!file) {
        response.writeHead(404, { "Content-Type": "text/plain" }).end("Not found");
        return;
      }
      const port = (site.address() as AddressInfo).port;
      const text = readFileSync(join(FIXTURES, file), "utf8")
        .replaceAll("{{WIDGET_ORIGIN}}", `http://127.0.0.1:${workerPort}`)
        .replaceAll("{{PIXEL_ORIGIN}}", `http://pixel.adnet.test:${port}`);
      response.writeHead(200, {
        "Content-Type": file.endsWith(".js") ? "text/javascript" : "text/html; charset=utf-8",
      });
      response.end(text);
    });
    await new Promise<void>((resolve) => site.listen(0, "127.0.0.1", resolve));
    shop = `http://shop.test:${(site.address() as AddressInfo).port}`;
    // The widget on its own host: a consent host the scanner must treat as strictly necessary.
    worker = await startWorker({ port: workerPort, vars: { ALLOWED_ORIGINS: shop } });
  });
  afterAll(async () => {
    await worker?.stop();
    site?.close();
    if (out) rmSync(out, { recursive: true, force: true });
  });

  it(
    "reports the leaky shop exactly: each violation in its state, the undeclared cookie, the stale entry; exit 1",
    async () => {
      const json = join(out, "leaky.json");
      const html = join(out, "leaky.html");
      const draft = join(out, "draft.json");
      const run = await scan([
        `${shop}/`,
        "--declaration",
        join(FIXTURES, "cookies.json"),
        "--json",
        json,
        "--report",
        html,
        "--write-declaration",
        draft,
        hostRules(),
      ]);
      expect(run.code, run.stderr).toBe(1);
      // Progress is shown while it runs, state by state and page by page.
      expect(run.stderr).toContain(`[1/6] No choice yet: ${shop}/`);
      expect(run.stderr).toContain(`[6/6] Accept all: ${shop}/about (page 2 of 2)`);

      const report = JSON.parse(readFileSync(json, "utf8")) as ScanReport;
      expect(report.pages).toEqual([`${shop}/`, `${shop}/about`]);
      expect(report.states.map((state) => state.id)).toEqual([
        "no-choice",
        "reject-all",
        "analytics-only",
        "functionality-only",
        "targeting-only",
        "accept-all",
      ]);
      // The cookie set before consent, in every state that did not grant analytics; the pixel after Reject all.
      expect(violationKeys(report)).toEqual([
        "functionality-only cookie leak_early",
        "no-choice cookie leak_early",
        "reject-all cookie leak_early",
        "reject-all host pixel.adnet.test",
        "targeting-only cookie leak_early",
      ]);
      const pixel = report.violations.find((v) => v.item.name === "pixel.adnet.test");
      expect(pixel).toMatchObject({
        page: `${shop}/`,
        reason: "set after Reject all, declared as targeting",
        item: { party: "third", states: ["reject-all"] },
      });
      expect(report.violations.find((v) => v.state === "no-choice")?.reason).toBe(
        "set before any choice, declared as analytics",
      );
      expect(
        report.undeclared.map(({ kind, name, party, firstState, states }) => ({
          kind,
          name,
          party,
          firstState,
          states,
        })),
      ).toEqual([
        {
          kind: "cookie",
          name: "stats_uid",
          party: "first",
          firstState: "analytics-only",
          states: ["analytics-only", "accept-all"],
        },
      ]);
      expect(report.stale).toEqual([
        { category: "functionality", service: "Old preferences", kind: "cookie", name: "old_prefs" },
      ]);
      // What is allowed is seen too: storage on the second page, the widget's own items, and its consent host.
      const seen = (name: string) => report.items.find((item) => item.name === name);
      expect(seen("shop_layout")).toMatchObject({
        kind: "localStorage",
        domain: "shop.test",
        page: `${shop}/about`,
        firstState: "functionality-only",
        declaredAs: ["functionality"],
      });
      expect(seen("opencontact-consent:outbox")).toMatchObject({ firstState: "reject-all", declaredAs: ["necessary"] });
      expect(seen("opencontact_consent")).toMatchObject({ kind: "cookie", domain: "shop.test", party: "first" });
      expect(seen("127.0.0.1")).toMatchObject({ kind: "host", party: "third", consentHost: true });

      // The terminal table: the verdict, then the violations first.
      expect(run.stdout).toContain("Not clean: 5 violation(s), 1 undeclared item(s), 1 stale.");
      expect(run.stdout.indexOf("Violations (5)")).toBeLessThan(run.stdout.indexOf("Undeclared (1)"));
      expect(run.stdout).toMatch(/Reject all\s+host\s+pixel\.adnet\.test\s+third party\s+set after Reject all/);

      // The HTML report: self-contained, per state, violations first.
      const page = readFileSync(html, "utf8");
      expect(page).not.toMatch(/<script|<link|src=/);
      const rejectSection = page.slice(page.indexOf("<h2>Reject all</h2>"), page.indexOf("<h2>Analytics only</h2>"));
      const rows = [...rejectSection.matchAll(/<tr( class="violation")?><td>/g)].map((match) => Boolean(match[1]));
      expect(rows.slice(0, 2)).toEqual([true, true]);
      expect(rows.slice(2)).not.toContain(true);

      // The draft declaration: declared entries kept, the new cookie under the category that produced it.
      const drafted = JSON.parse(readFileSync(draft, "utf8")) as {
        categories: Record<string, { services: { name: string; items: { name: string; purpose: string }[] }[] }>;
      };
      const analytics = drafted.categories.analytics?.services ?? [];
      expect(analytics.map((service) => service.name)).toEqual(["Shop statistics", "TO FILL IN (shop.test)"]);
      expect(analytics[1]?.items).toEqual([
        { name: "stats_uid", kind: "cookie", party: "first", purpose: "TO FILL IN", duration: "1 year" },
      ]);
      expect(drafted.categories.functionality?.services.map((service) => service.name)).toEqual(["Page layout"]);

      // It never overwrites a file without --force, and says so before scanning.
      const again = await scan([`${shop}/`, "--write-declaration", draft]);
      expect(again.code).toBe(2);
      expect(again.stderr).toContain(`--write-declaration ${draft}: the file exists; add --force`);
      expect(readFileSync(draft, "utf8")).toContain("stats_uid");
    },
    SCAN_TIMEOUT,
  );

  it(
    "drives another banner through --accept and --reject: only no choice, reject and accept",
    async () => {
      const json = join(out, "other.json");
      const run = await scan([
        `${shop}/other-banner`,
        "--pages",
        "0",
        "--accept",
        "#banner-accept",
        "--reject",
        "#banner-reject",
        "--declaration",
        join(FIXTURES, "cookies.json"),
        "--json",
        json,
        hostRules(),
      ]);
      expect(run.code, run.stderr).toBe(1);
      const report = JSON.parse(readFileSync(json, "utf8")) as ScanReport;
      expect(report.banner).toBe("selectors");
      expect(report.states.map((state) => state.id)).toEqual(["no-choice", "reject-all", "accept-all"]);
      // Its own consent cookie is not declared strictly necessary, so after Reject all it is a violation.
      expect(violationKeys(report)).toEqual(["reject-all cookie other_consent"]);
      expect(report.undeclared.map((item) => `${item.firstState} ${item.name}`)).toEqual([
        "reject-all other_consent",
        "accept-all stats_uid",
      ]);
      expect(report.items.find((item) => item.name === "_ga")).toMatchObject({
        firstState: "accept-all",
        declaredAs: ["analytics"],
      });
    },
    SCAN_TIMEOUT,
  );

  it(
    "exits 2 saying why when it cannot scan: no banner, an unreachable host, a URL that is not http(s)",
    async () => {
      const plain = await scan([`${shop}/plain`, "--timeout", "10", hostRules()]);
      expect(plain.code).toBe(2);
      expect(plain.stderr).toContain(`could not scan: ${shop}/plain: no OpenContact Consent banner`);
      expect(plain.stderr).toContain("give --accept and --reject selectors");

      const closed = `http://127.0.0.1:${await freePort()}/`;
      const unreachable = await scan([closed]);
      expect(unreachable.code).toBe(2);
      expect(unreachable.stderr).toContain(`could not scan: could not reach ${closed}: net::ERR_CONNECTION_REFUSED`);

      const ftp = await scan(["ftp://shop.test/"]);
      expect(ftp.code).toBe(2);
      expect(ftp.stderr).toContain('"ftp://shop.test/" is not an http(s) URL');

      const missing = await scan([`${shop}/`, "--declaration", join(out, "none.json")]);
      expect(missing.code).toBe(2);
      expect(missing.stderr).toContain("none.json: no such file");

      const broken = join(out, "broken.json");
      writeFileSync(broken, '{ "categories": { "marketing": { "services": [] } } }');
      const invalid = await scan([`${shop}/`, "--declaration", broken]);
      expect(invalid.code).toBe(2);
      expect(invalid.stderr).toContain('unknown category "marketing"');
    },
    SCAN_TIMEOUT,
  );

  it(
    "scans the demo site clean against content/cookies.json",
    async () => {
      const started = Date.now();
      const run = await scan([`${inject("baseUrl")}/`]);
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      console.log(`scan of the demo site: ${seconds} s`);
      expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(0);
      expect(run.stdout).toContain("Clean: no violations, nothing undeclared");
    },
    SCAN_TIMEOUT,
  );
});
