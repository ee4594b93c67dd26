import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { countEvents, errorOf, freshLog, postConsent, validBody } from "./helpers.ts";

beforeEach(freshLog);

/** The real D1 whose batch (the write transaction) fails, as when D1 is overloaded or unreachable. */
function d1FailingOnWrite(): D1Database {
  return new Proxy(env.DB, {
    get(target, property, receiver) {
      if (property === "batch") return () => Promise.reject(new Error("D1_ERROR: Network connection lost."));
      const value = Reflect.get(target, property, receiver);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

/** A D1 whose every query fails. */
function d1Down(): D1Database {
  const fail = () => Promise.reject(new Error("D1_ERROR: database unavailable"));
  const statement = { bind: () => statement, first: fail, all: fail, run: fail, raw: fail };
  return {
    prepare: () => statement,
    batch: fail,
    exec: fail,
    dump: fail,
    withSession: () => ({}),
  } as unknown as D1Database;
}

describe("POST /api/consent when D1 fails", () => {
  it("answers 503 with Retry-After and leaves no row when the write fails", async () => {
    const response = await postConsent(validBody(), { testEnv: { ...env, DB: d1FailingOnWrite() } });
    expect(response.status).toBe(503);
    expect(Number(response.headers.get("Retry-After"))).toBeGreaterThan(0);
    expect((await errorOf(response)).code).toBe("unavailable");
    expect(await countEvents()).toBe(0);
  });

  it("answers 503 when D1 is down entirely, even for an old revision check", async () => {
    const response = await postConsent(validBody({ revision: "0123456789abcdef" }), {
      testEnv: { ...env, DB: d1Down() },
    });
    expect(response.status).toBe(503);
    expect(response.headers.get("Retry-After")).not.toBeNull();
  });

  it("stores the same event once D1 is back (the client's retry)", async () => {
    const body = validBody();
    expect((await postConsent(body, { testEnv: { ...env, DB: d1FailingOnWrite() } })).status).toBe(503);
    expect((await postConsent(body)).status).toBe(201);
    expect((await postConsent(body)).status).toBe(200);
    expect(await countEvents()).toBe(1);
  });

  it("refuses a partial row at the database level too: the log cannot be edited", async () => {
    const body = validBody();
    expect((await postConsent(body)).status).toBe(201);
    await expect(
      env.DB.prepare("UPDATE consent_events SET analytics = 0 WHERE event_id = ?").bind(body.eventId).run(),
    ).rejects.toThrow(/append-only/);
  });
});
