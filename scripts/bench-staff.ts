/**
 * `npm run bench` (also `npm run bench:staff`): the staff queries at real
 * volume. Seeds 1,000,000 consent events into a fresh local D1, then reports
 * p50/p95 for a consent-id lookup, filtered first pages and 90-day statistics,
 * twice: the SQL alone (the worker's own statements, run in-process with
 * `node:sqlite` on the local D1's SQLite file: what the query costs in the
 * engine D1 is built on), and the whole request through the real worker under
 * `wrangler dev` (guard, D1 query, audit write, JSON, loopback HTTP). Last, it exports every row as CSV over HTTP and reports the time and
 * workerd's peak resident memory.
 *
 * Seeding writes the rows straight into the local D1's SQLite file with
 * `node:sqlite` (one transaction; wrangler d1 execute would take far longer
 * for 1M rows); the schema is the real one, applied by `wrangler d1
 * migrations apply`. Options: `--rows N` (default 1000000), `--runs N`.
 */
import { execFileSync, spawn } from "node:child_process";
import { createHash, randomUUID } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { parseArgs } from "node:util";
import { freePort, newPersistDir } from "../test/e2e/worker-server.ts";
import { DAILY_STATS_SQL, type EventFilter, searchEventsSql } from "../worker/db/staff-queries.ts";
import { STATEMENT } from "../worker/generated/privacy-statement.ts";

const { values } = parseArgs({
  options: { rows: { type: "string", default: "1000000" }, runs: { type: "string", default: "200" } },
});
const ROWS = Number(values.rows);
const RUNS = Number(values.runs);
const DAY = 86_400_000;
const NOW = Date.now();
const TOKEN = "bench-staff-token";
const AUTH = `Basic ${Buffer.from(`bench:${TOKEN}`).toString("base64")}`;

/** Deterministic randomness (mulberry32), so every run seeds the same log. */
function rng(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function findSqlite(dir: string): string {
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) {
      const found = findSqlite(path);
      if (found) return found;
    } else if (entry.endsWith(".sqlite") && !entry.includes("metadata")) {
      return path;
    }
  }
  return "";
}

const OLD_REVISIONS = ["0123456789abcdef", "fedcba9876543210"];
const PATHS = [
  "/",
  "/pricing",
  "/about",
  "/contact",
  "/careers",
  ...Array.from({ length: 45 }, (_, i) => `/blog/post-${i}`),
];
const AGENTS = [
  "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
  "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
  "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Safari/605.1.15",
  "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
];

/** Seeds ROWS events over the last 730 days, in arrival order; returns sample consent ids. */
function seed(file: string): string[] {
  const random = rng(42);
  const db = new DatabaseSync(file);
  // A large page cache for the load only: ten indexes, two of them on random UUIDs.
  db.exec("PRAGMA cache_size = -1048576");
  const revision = db.prepare(
    `INSERT OR IGNORE INTO privacy_revisions (revision, sha256, title, markdown, html, text, banner_texts, first_served_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  revision.run(
    STATEMENT.revision,
    STATEMENT.sha256,
    STATEMENT.title,
    STATEMENT.markdown,
    STATEMENT.html,
    STATEMENT.text,
    STATEMENT.bannerTexts,
    new Date(NOW - 100 * DAY).toISOString(),
  );
  for (const [i, old] of OLD_REVISIONS.entries()) {
    revision.run(
      old,
      createHash("sha256").update(old).digest("hex"),
      "Old",
      "# Old",
      "<h1>Old</h1>",
      "Old",
      "{}",
      new Date(NOW - (730 - i * 300) * DAY).toISOString(),
    );
  }
  const insert = db.prepare(
    `INSERT INTO consent_events (event_id, consent_id, received_at, method, analytics, functionality, targeting,
       revision, texts_hash, page_url, user_agent, ip_prefix, country, language, gpc, widget_version)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, ?, ?, ?, ?, '0.1.0')`,
  );
  const recent: string[] = [];
  const samples: string[] = [];
  const start = NOW - 730 * DAY;
  db.exec("BEGIN");
  for (let i = 0; i < ROWS; i++) {
    const at = start + (i / ROWS) * 730 * DAY + random() * 60_000;
    // A fifth of events are a returning visitor changing their mind.
    const consentId =
      recent.length > 0 && random() < 0.2 ? (recent[Math.floor(random() * recent.length)] as string) : randomUUID();
    if (recent.length < 1000) recent.push(consentId);
    else recent[i % 1000] = consentId;
    if (i % Math.max(1, Math.floor(ROWS / 1000)) === 0) samples.push(consentId);
    const roll = random();
    const method = roll < 0.45 ? "accept_all" : roll < 0.75 ? "reject_all" : roll < 0.95 ? "custom" : "withdraw";
    const all = method === "accept_all" ? 1 : method === "reject_all" ? 0 : null;
    const age = (NOW - at) / DAY;
    const rev =
      age < 100 ? STATEMENT.revision : age < 430 ? (OLD_REVISIONS[1] as string) : (OLD_REVISIONS[0] as string);
    insert.run(
      randomUUID(),
      consentId,
      new Date(at).toISOString(),
      method,
      all ?? (random() < 0.5 ? 1 : 0),
      all ?? (random() < 0.4 ? 1 : 0),
      all ?? (random() < 0.2 ? 1 : 0),
      rev,
      `https://www.opencontact.co.uk${PATHS[Math.floor(random() * random() * PATHS.length)]}`,
      AGENTS[Math.floor(random() * AGENTS.length)] as string,
      `${Math.floor(random() * 223) + 1}.${Math.floor(random() * 256)}.${Math.floor(random() * 256)}.0/24`,
      random() < 0.8 ? "GB" : "IE",
      random() < 0.9 ? "en-GB" : "fr-FR",
      random() < 0.05 ? 1 : 0,
    );
  }
  db.exec("COMMIT");
  db.close();
  return samples;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

function summary(times: number[]) {
  const sorted = [...times].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p95: percentile(sorted, 95), n: sorted.length };
}

type Summary = { p50: number; p95: number; n: number };

async function timed(run: () => Promise<unknown>, runs: number): Promise<Summary> {
  for (let i = 0; i < 5; i++) await run(); // warm the page cache and the isolate
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    await run();
    times.push(performance.now() - started);
  }
  return summary(times);
}

const day = (daysAgo: number) => new Date(NOW - daysAgo * DAY).toISOString().slice(0, 10);

/** The filtered first pages staff ask for most, as API query strings and as filters. */
const FILTERS: [string, string, EventFilter][] = [
  [
    "analytics refused, last 30 days",
    `analytics=refused&from=${day(30)}`,
    { analytics: false, from: `${day(30)}T00:00:00.000Z` },
  ],
  ["method withdraw", "method=withdraw", { method: "withdraw" }],
  ["page path /careers", "path=/careers", { path: "/careers" }],
  ["oldest revision", `revision=${OLD_REVISIONS[0]}`, { revision: OLD_REVISIONS[0] as string }],
  [
    "custom + targeting granted, last 90 days",
    `method=custom&targeting=granted&from=${day(90)}`,
    { method: "custom", targeting: true, from: `${day(90)}T00:00:00.000Z` },
  ],
  [
    "one week, six months ago",
    `from=${day(187)}&to=${day(181)}`,
    { from: `${day(187)}T00:00:00.000Z`, to: `${day(180)}T00:00:00.000Z` },
  ],
];

function rssKb(pids: number[]): number {
  let total = 0;
  for (const pid of pids) {
    try {
      total += Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0);
    } catch {
      // exited
    }
  }
  return total;
}

/** The workerd processes of the `wrangler dev` using `persistDir` (its own process group), not anyone else's. */
function workerdPids(persistDir: string): number[] {
  const table = execFileSync("ps", ["-eo", "pid=,pgid=,comm=,args="], { encoding: "utf8" })
    .split("\n")
    .map((line) => line.trim().split(/\s+/))
    .filter((fields) => fields.length >= 3);
  const groups = new Set(table.filter((fields) => fields.slice(3).includes(persistDir)).map((fields) => fields[1]));
  return table.filter((fields) => fields[2] === "workerd" && groups.has(fields[1])).map((fields) => Number(fields[0]));
}

const WRANGLER_ENV = { ...process.env, WRANGLER_SEND_METRICS: "false", NO_COLOR: "1" };

/**
 * The real worker, bundled once and served by `wrangler dev --no-bundle` from
 * that bundle: several engineers edit this tree at once, and a rebuild on
 * their save would reset the isolate and cut a long export short.
 */
async function startFrozenWorker(persistDir: string, vars: Record<string, string>) {
  const dir = mkdtempSync(join(tmpdir(), "opencontact-bench-staff-"));
  execFileSync("npx", ["wrangler", "deploy", "--dry-run", "--outdir", join(dir, "bundle")], {
    env: WRANGLER_ENV,
    stdio: "ignore",
  });
  const absolute = (path: string) => JSON.stringify(resolve(path));
  const config = readFileSync("wrangler.toml", "utf8")
    .replace(/^main = ".*"$/m, `main = ${absolute(join(dir, "bundle", "index.js"))}\nno_bundle = true`)
    .replace(/^tsconfig = ".*"\n/m, "")
    .replace(/^directory = ".*"$/m, `directory = ${absolute("dist/public")}`)
    .replace(/^migrations_dir = ".*"$/m, `migrations_dir = ${absolute("migrations")}`);
  writeFileSync(join(dir, "wrangler.toml"), config);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const args = ["wrangler", "dev", "-c", join(dir, "wrangler.toml"), "--ip", "127.0.0.1", "--port", String(port)];
  args.push("--persist-to", persistDir);
  for (const [name, value] of Object.entries(vars)) args.push("--var", `${name}:${value}`);
  const child = spawn("npx", args, { env: WRANGLER_ENV, stdio: "ignore", detached: true });
  const stop = async () => {
    if (child.exitCode !== null || !child.pid) return;
    const exited = new Promise((done) => child.once("exit", done));
    process.kill(-child.pid, "SIGTERM");
    await Promise.race([exited, new Promise((done) => setTimeout(done, 5000))]);
    if (child.exitCode === null) process.kill(-child.pid, "SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(`${url}/privacy.json`)).ok) return { url, stop };
    } catch {
      // not listening yet
    }
    await new Promise((done) => setTimeout(done, 250));
  }
  await stop();
  throw new Error("wrangler dev did not start within 60 s");
}

async function main() {
  console.log(`Seeding ${ROWS.toLocaleString("en-GB")} events into a fresh local D1…`);
  const persistDir = newPersistDir();
  const file = findSqlite(persistDir);
  if (!file) throw new Error(`no D1 sqlite file under ${persistDir}`);
  let started = performance.now();
  const samples = seed(file);
  console.log(
    `  seeded in ${((performance.now() - started) / 1000).toFixed(1)} s (${(statSync(file).size / 1e6).toFixed(0)} MB)`,
  );

  const results: string[] = [];
  const row = (what: string, via: string, r: Summary) => {
    results.push(`| ${what} | ${via} | ${r.p50.toFixed(2)} | ${r.p95.toFixed(2)} | ${r.n} |`);
    console.log(`  ${via} ${what}: p50 ${r.p50.toFixed(2)} ms, p95 ${r.p95.toFixed(2)} ms`);
  };
  const pick = rng(7);
  const sample = () => samples[Math.floor(pick() * samples.length)] as string;

  // 1. The SQL alone: the same statements on the same SQLite file, timed in-process.
  const engine = new DatabaseSync(file, { readOnly: true });
  const all = (q: { sql: string; params: unknown[] }) => {
    engine.prepare(q.sql).all(...(q.params as (string | number)[]));
    return Promise.resolve();
  };
  row("consent-id lookup", "SQLite", await timed(() => all(searchEventsSql({ consentId: sample() }, 51)), RUNS));
  for (const [name, , filter] of FILTERS) {
    row(`first page: ${name}`, "SQLite", await timed(() => all(searchEventsSql(filter, 51)), Math.ceil(RUNS / 4)));
  }
  const statsQuery = { sql: DAILY_STATS_SQL, params: [day(89), day(-1)] };
  row("90-day statistics", "SQLite", await timed(() => all(statsQuery), 30));
  engine.close();

  // 2. The whole request through the real worker.
  const server = await startFrozenWorker(persistDir, {
    STAFF_TOKENS: JSON.stringify({ bench: createHash("sha256").update(TOKEN).digest("hex") }),
  });
  const ours = workerdPids(persistDir);
  const get = async (path: string) => {
    const response = await fetch(`${server.url}${path}`, { headers: { Authorization: AUTH } });
    if (!response.ok) throw new Error(`${path}: ${response.status}`);
    return response.text();
  };
  try {
    // The floor: a request that touches no staff code and no D1 write.
    const plain = async () => (await fetch(`${server.url}/privacy.json`)).text();
    row("baseline: GET /privacy.json (no auth, no audit)", "HTTP", await timed(plain, RUNS));
    row("consent-id lookup", "HTTP", await timed(() => get(`/api/staff/events?consentId=${sample()}`), RUNS));
    for (const [name, query] of FILTERS)
      row(`first page: ${name}`, "HTTP", await timed(() => get(`/api/staff/events?${query}`), Math.ceil(RUNS / 4)));
    row("90-day statistics", "HTTP", await timed(() => get(`/api/staff/stats?from=${day(89)}&to=${day(0)}`), 30));

    // 3. Export every row as CSV, streaming, sampling workerd's memory meanwhile. Twice: the
    // first run also fills SQLite's page cache (local D1 lives in the same workerd process).
    for (const pass of ["first", "second"]) {
      const baseline = rssKb(ours);
      let peak = baseline;
      const sampler = setInterval(() => {
        peak = Math.max(peak, rssKb(ours));
      }, 100);
      started = performance.now();
      const response = await fetch(`${server.url}/api/staff/events.csv`, { headers: { Authorization: AUTH } });
      let bytes = 0;
      let lines = 0;
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        bytes += chunk.length;
        for (const byte of chunk) if (byte === 10) lines++;
      }
      const seconds = (performance.now() - started) / 1000;
      clearInterval(sampler);
      results.push(
        "",
        `CSV export of all rows (${pass} run): ${(lines - 1).toLocaleString("en-GB")} rows, ${(bytes / 1e6).toFixed(0)} MB in ${seconds.toFixed(1)} s; workerd resident memory ${(baseline / 1024).toFixed(0)} MB before, peak ${(peak / 1024).toFixed(0)} MB during (${ours.length} workerd process${ours.length === 1 ? "" : "es"}).`,
      );
      console.log(results.at(-1));
    }
  } finally {
    await server.stop();
    rmSync(persistDir, { recursive: true, force: true });
  }

  console.log(
    `\n${ROWS.toLocaleString("en-GB")} events, ${RUNS} runs per lookup (a quarter for each filter), times in ms:\n`,
  );
  console.log("| Query | Through | p50 | p95 | Runs |\n| --- | --- | ---: | ---: | ---: |");
  console.log(results.join("\n"));
}

await main();
