/**
 * Load (issue 5), bounded for CI: 50 concurrent clients post choices to a
 * real `wrangler dev` for a few seconds, some of them repeating an event
 * another client already sent (an outbox retry racing the original). What
 * must hold: no 5xx, no lost answer, and the rows in D1 are exactly the 201
 * answers: none lost, none doubled, and they form one unbroken hash chain
 * (verified by `npm run verify-log`'s own code). Timing is never asserted; the longer run
 * with latency figures is `npm run bench:api` (docs/benchmarks.md).
 *
 * All traffic comes from 127.0.0.1, so the run raises the rate limit through
 * its wrangler.toml setting (bench/lib/worker-config.ts), production entry.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { benchWranglerArgs } from "../../bench/lib/worker-config.ts";
import { verifyLogFile } from "../../scripts/verify-log.ts";
import { queryD1, startWorker, type WorkerServer } from "./worker-server.ts";

const CLIENTS = 50;
/** Each client stops at whichever comes first. */
const SECONDS = 6;
const MAX_REQUESTS_PER_CLIENT = 400;
/** One post in ten repeats an event another client sent. */
const REPLAY_SHARE = 0.1;

describe("50 concurrent clients against wrangler dev", () => {
  let server: WorkerServer;
  beforeAll(async () => {
    server = await startWorker({ args: benchWranglerArgs({ noopRoute: false }), vars: { STAFF_TOKENS: "{}" } });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it("answers every post without a 5xx, and D1 holds exactly one row per 201", { timeout: 120_000 }, async () => {
    const { revision } = (await (await fetch(`${server.url}/privacy.json`)).json()) as { revision: string };
    const sent: string[] = [];
    const statuses = new Map<number, number>();
    const createdIds = new Set<string>();
    const failures: string[] = [];
    const deadline = Date.now() + SECONDS * 1000;

    const client = async (index: number) => {
      const consentId = randomUUID();
      for (let count = 0; count < MAX_REQUESTS_PER_CLIENT && Date.now() < deadline; count += 1) {
        // A replay is the very same body (the outbox resends what it stored), possibly still in flight.
        const replay = sent.length > 0 && Math.random() < REPLAY_SHARE;
        const body = replay
          ? (sent[Math.floor(Math.random() * sent.length)] as string)
          : JSON.stringify({
              eventId: randomUUID(),
              consentId,
              method: "custom",
              choices: { analytics: sent.length % 2 === 0, functionality: false, targeting: false },
              revision,
              pageUrl: `${server.url}/client-${index}`,
              language: "en-GB",
              gpc: false,
              widgetVersion: "0.1.0",
            });
        if (!replay) sent.push(body);
        try {
          const response = await fetch(`${server.url}/api/consent`, {
            method: "POST",
            headers: { "Content-Type": "text/plain;charset=UTF-8", Origin: server.url },
            body,
          });
          statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
          const receipt = (await response.json()) as { eventId?: string };
          if (response.status === 201 && receipt.eventId) createdIds.add(receipt.eventId);
        } catch (error) {
          failures.push(String(error));
        }
      }
    };
    await Promise.all(Array.from({ length: CLIENTS }, (_, index) => client(index)));

    console.log(`load: ${JSON.stringify(Object.fromEntries(statuses))}, ${sent.length} distinct events`);
    expect(failures).toEqual([]);
    // 201 for a new event, 200 for a repeat; nothing else (no 5xx, no 409, no 429).
    expect([...statuses.keys()].sort()).toEqual(expect.arrayContaining([201]));
    expect([...statuses.keys()].filter((status) => status !== 200 && status !== 201)).toEqual([]);
    const rows = queryD1<{ event_id: string }>(server.persistDir, "SELECT event_id FROM consent_events");
    const rowIds = rows.map((row) => row.event_id);
    expect(new Set(rowIds).size).toBe(rowIds.length);
    expect(rowIds.length).toBe(statuses.get(201) ?? 0);
    expect(new Set(rowIds)).toEqual(createdIds);
    // Every distinct event landed once, whichever of its copies got the 201.
    expect(createdIds.size).toBe(sent.length);
    // Concurrent appends never forked the chain: positions 1..n, each linked to the one before.
    const { report } = await verifyLogFile(["--persist-to", server.persistDir]);
    expect(report).toMatchObject({ valid: true, events: rowIds.length, fromSeq: 0, headSeq: rowIds.length });
  });
});
