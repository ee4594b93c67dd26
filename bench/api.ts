/**
 * `npm run bench:api`: the consent API under load on local `wrangler dev`.
 *
 * 1. Throughput: `POST /api/consent` (a fresh event id and consent id per
 *    request, as the widget sends them) beside the bare `POST
 *    /api/bench/noop` on the same worker, alternating in rounds so machine
 *    drift hits both alike: requests per second, p50 and p99 latency, ratio.
 * 2. Load: 50 concurrent clients for 30 s on `POST /api/consent`: no 5xx.
 * 3. Every 201 is a row in D1 and nothing else: after the worker stops, each
 *    row's event id is matched to the answer its request got. autocannon
 *    stops on the clock, so the last request of each connection may be cut
 *    off after the worker committed it; such rows are counted apart.
 *
 * The rate limit is raised for the run through its setting in wrangler.toml
 * (bench/lib/worker-config.ts), because all traffic comes from one address.
 *
 * Options: --round <s> (10), --rounds <n> (3), --connections <n> (10),
 * --load-duration <s> (30), --load-connections <n> (50), --no-load.
 */
import { randomUUID } from "node:crypto";
import { readdirSync } from "node:fs";
import { cpus, loadavg, totalmem } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import autocannon, { type Result } from "autocannon";
import { queryD1, startWorker } from "../test/e2e/worker-server.ts";
import { benchWranglerArgs } from "./lib/worker-config.ts";

interface Tally {
  statuses: Map<number, number>;
  /** Event ids sent, and those answered (id → status); the rest were in flight when the clock stopped. */
  sent: Set<string>;
  answered: Map<string, number>;
}

const newTally = (): Tally => ({ statuses: new Map(), sent: new Set(), answered: new Map() });

/**
 * Bytes the consent log takes in the local D1's SQLite file, table and its
 * indexes (SQLite's dbstat over the file, read-only, after the worker stopped).
 */
function consentLogBytes(persistDir: string): number {
  const dir = join(persistDir, "v3", "d1", "miniflare-D1DatabaseObject");
  const file = readdirSync(dir).find((name) => name.endsWith(".sqlite") && !name.startsWith("metadata"));
  if (!file) return 0;
  const db = new DatabaseSync(join(dir, file), { readOnly: true });
  try {
    const row = db
      .prepare(
        `SELECT SUM(pgsize) AS bytes FROM dbstat
         WHERE name IN (SELECT name FROM sqlite_master WHERE tbl_name = 'consent_events')`,
      )
      .get() as { bytes: number | null } | undefined;
    return Number(row?.bytes ?? 0);
  } finally {
    db.close();
  }
}

function option(argv: string[], name: string, fallback: number): number {
  const index = argv.indexOf(`--${name}`);
  const value = index >= 0 ? Number(argv[index + 1]) : fallback;
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} must be a positive number`);
  return value;
}

function eventBody(eventId: string, revision: string, origin: string): string {
  return JSON.stringify({
    eventId,
    consentId: randomUUID(),
    method: "custom",
    choices: { analytics: true, functionality: false, targeting: false },
    revision,
    pageUrl: `${origin}/pricing`,
    language: "en-GB",
    gpc: false,
    widgetVersion: "0.1.0",
  });
}

async function hit(
  url: string,
  path: string,
  connections: number,
  duration: number,
  revision: string,
  tally: Tally,
): Promise<Result> {
  const origin = new URL(url).origin;
  return autocannon({
    url,
    connections,
    duration,
    requests: [
      {
        method: "POST",
        path,
        headers: { "Content-Type": "text/plain;charset=UTF-8", Origin: origin },
        // Both routes get the same fresh body per request, so the client does the same work for each.
        // The context is per connection, one request at a time: it knows which event an answer is for.
        setupRequest: (request, context) => {
          const eventId = randomUUID();
          context.eventId = eventId;
          tally.sent.add(eventId);
          return { ...request, body: eventBody(eventId, revision, origin) };
        },
        onResponse: (status, _body, context) => {
          tally.statuses.set(status, (tally.statuses.get(status) ?? 0) + 1);
          tally.answered.set(String(context.eventId), status);
        },
      },
    ],
  });
}

const fmt = (value: number, digits = 0) => value.toLocaleString("en-GB", { maximumFractionDigits: digits });
const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
};

interface RouteSummary {
  route: string;
  rps: number;
  p50: number;
  p99: number;
  rounds: Result[];
}

function summarise(route: string, rounds: Result[]): RouteSummary {
  const requests = rounds.reduce((sum, result) => sum + result.requests.total, 0);
  const seconds = rounds.reduce((sum, result) => sum + result.duration, 0);
  return {
    route,
    rps: requests / seconds,
    p50: median(rounds.map((result) => result.latency.p50)),
    p99: median(rounds.map((result) => result.latency.p99)),
    rounds,
  };
}

export async function main(argv: string[]): Promise<void> {
  const roundSeconds = option(argv, "round", 10);
  const rounds = option(argv, "rounds", 3);
  const connections = option(argv, "connections", 10);
  const loadSeconds = option(argv, "load-duration", 30);
  const loadConnections = option(argv, "load-connections", 50);
  const withLoad = !argv.includes("--no-load");

  const server = await startWorker({ args: benchWranglerArgs(), vars: { STAFF_TOKENS: "{}" } });
  const consentTally = newTally();
  const noopTally = newTally();
  const loadTally = newTally();
  let summaries: RouteSummary[];
  let load: Result | undefined;
  const started = new Date();
  const loadBefore = loadavg()[0] ?? 0;
  try {
    const { revision } = (await (await fetch(`${server.url}/privacy.json`)).json()) as { revision: string };
    console.log(`wrangler dev on ${server.url}; revision ${revision}`);
    // Warm both routes (JIT, D1 file, connection pools); these 201s are counted too.
    await hit(server.url, "/api/bench/noop", connections, 2, revision, noopTally);
    await hit(server.url, "/api/consent", connections, 2, revision, consentTally);

    const noopRounds: Result[] = [];
    const consentRounds: Result[] = [];
    for (let round = 0; round < rounds; round += 1) {
      // Alternate which goes first, so neither always runs on a warmer or cooler machine.
      const order = round % 2 === 0 ? ["noop", "consent"] : ["consent", "noop"];
      for (const which of order) {
        const result =
          which === "noop"
            ? await hit(server.url, "/api/bench/noop", connections, roundSeconds, revision, noopTally)
            : await hit(server.url, "/api/consent", connections, roundSeconds, revision, consentTally);
        (which === "noop" ? noopRounds : consentRounds).push(result);
        console.log(
          `round ${round + 1} ${which.padEnd(7)} ${fmt(result.requests.average)} req/s, p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms`,
        );
      }
    }
    summaries = [
      summarise("POST /api/bench/noop (bare Hono route)", noopRounds),
      summarise("POST /api/consent", consentRounds),
    ];

    if (withLoad) {
      console.log(`load: ${loadConnections} connections for ${loadSeconds} s on POST /api/consent …`);
      load = await hit(server.url, "/api/consent", loadConnections, loadSeconds, revision, loadTally);
    }
  } finally {
    await server.stop();
  }

  // Account for every event: a 201 must be a row; a row must be a 201, or a request still in
  // flight when autocannon's clock stopped (its answer was never read); nothing else.
  const rowIds = new Set(
    queryD1<{ event_id: string }>(server.persistDir, "SELECT event_id FROM consent_events").map((row) => row.event_id),
  );
  const consentTallies = [consentTally, loadTally];
  const status = (id: string) => consentTallies.map((tally) => tally.answered.get(id)).find((s) => s !== undefined);
  let created = 0;
  let createdMissing = 0;
  for (const tally of consentTallies) {
    for (const [id, code] of tally.answered) {
      if (code !== 201) continue;
      created += 1;
      if (!rowIds.has(id)) createdMissing += 1;
    }
  }
  const inFlight = consentTallies.reduce((n, tally) => n + tally.sent.size - tally.answered.size, 0);
  let rowsInFlight = 0;
  let rowsUnexplained = 0;
  for (const id of rowIds) {
    const code = status(id);
    if (code === 201) continue;
    if (code === undefined && consentTallies.some((tally) => tally.sent.has(id))) rowsInFlight += 1;
    else rowsUnexplained += 1;
  }
  // What a row costs on disk, indexes included: the figure that bounds one database (docs/scaling.md).
  const databaseBytes = consentLogBytes(server.persistDir);
  const bytesPerRow = rowIds.size > 0 ? databaseBytes / rowIds.size : 0;
  const noopRows = [...noopTally.sent].filter((id) => rowIds.has(id)).length;
  const count5xx = (tally: Tally) =>
    [...tally.statuses].filter(([code]) => code >= 500).reduce((n, [, count]) => n + count, 0);
  const statusList = (tally: Tally) =>
    [...tally.statuses]
      .sort(([a], [b]) => a - b)
      .map(([code, count]) => `${code}: ${fmt(count)}`)
      .join(", ");

  const [noop, consent] = summaries as [RouteSummary, RouteSummary];
  console.log(`\n## API (${rounds} rounds × ${roundSeconds} s each, ${connections} connections, alternating)\n`);
  console.log("| Route | req/s | p50 latency | p99 latency |");
  console.log("| --- | ---: | ---: | ---: |");
  for (const summary of summaries) {
    console.log(`| ${summary.route} | ${fmt(summary.rps)} | ${summary.p50} ms | ${summary.p99} ms |`);
  }
  console.log(
    `| ratio consent / noop | ${fmt(consent.rps / noop.rps, 2)}× | ${fmt(consent.p50 / Math.max(noop.p50, 1), 1)}× | ${fmt(consent.p99 / Math.max(noop.p99, 1), 1)}× |`,
  );
  console.log(`\nStatuses: consent ${statusList(consentTally)}; noop ${statusList(noopTally)}`);
  if (load) {
    console.log(`\n## Load (${loadConnections} connections, ${loadSeconds} s, POST /api/consent)\n`);
    console.log("| Requests | req/s | p50 | p99 | max | 5xx | errors/timeouts |");
    console.log("| ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
    console.log(
      `| ${fmt(load.requests.total)} | ${fmt(load.requests.average)} | ${load.latency.p50} ms | ${load.latency.p99} ms | ${load.latency.max} ms | ${count5xx(loadTally)} | ${load.errors}/${load.timeouts} |`,
    );
    console.log(`\nStatuses: ${statusList(loadTally)}`);
  }
  const fiveXx = count5xx(consentTally) + count5xx(loadTally) + count5xx(noopTally);
  console.log("\n## Rows in D1\n");
  console.log(
    "| 201 responses | rows | 201s without a row | rows from requests in flight at the stop | other rows | 5xx |",
  );
  console.log("| ---: | ---: | ---: | ---: | ---: | ---: |");
  console.log(
    `| ${fmt(created)} | ${fmt(rowIds.size)} | ${createdMissing} | ${rowsInFlight} of ${inFlight} | ${rowsUnexplained + noopRows} | ${fiveXx} |`,
  );
  console.log(
    `\nconsent_events with its indexes: ${fmt(databaseBytes / 2 ** 20, 1)} MiB for ${fmt(rowIds.size)} rows, ${fmt(bytesPerRow)} bytes a row.`,
  );
  console.log(
    `\nMachine: ${cpus().length} × ${cpus()[0]?.model ?? "CPU"}, ${fmt(totalmem() / 2 ** 30, 0)} GiB, Node ${process.version}; started ${started.toISOString()}; load average ${loadBefore.toFixed(1)} at the start (other work on the 2 cores), ${(loadavg()[0] ?? 0).toFixed(1)} at the end (this bench included)`,
  );
  const ok = createdMissing === 0 && rowsUnexplained === 0 && noopRows === 0 && fiveXx === 0;
  console.log(
    ok
      ? "✔ every 201 is a row; every other row is a request whose answer the clock cut off; no 5xx"
      : "✖ a 201 without a row, a row nobody created, or a 5xx",
  );
  if (!ok) process.exitCode = 1;
}
