import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { ConsentEvent } from "../../shared/consent-schema.ts";
import { createLogClient, OUTBOX_KEY } from "../../widget/log-client.ts";
import { sampleEvent } from "./helpers.ts";

const event = (n: number) => sampleEvent(n);

const outbox = () => JSON.parse(localStorage.getItem(OUTBOX_KEY) ?? "[]") as { event: ConsentEvent }[];

describe("log client", () => {
  beforeEach(() => {
    localStorage.clear();
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("posts text/plain JSON with keepalive and empties the outbox on 201", async () => {
    const fetch = vi.fn(async () => new Response("{}", { status: 201 }));
    const client = createLogClient({ endpoint: "https://log.example/api/consent", fetch });
    await client.send(event(1));
    expect(fetch).toHaveBeenCalledOnce();
    const [url, init] = fetch.mock.calls[0] as unknown as [string, RequestInit];
    expect(url).toBe("https://log.example/api/consent");
    expect(init).toMatchObject({ method: "POST", keepalive: true, credentials: "omit" });
    expect(new Headers(init.headers).get("Content-Type")).toMatch(/^text\/plain/);
    expect(JSON.parse(init.body as string)).toEqual(event(1));
    expect(localStorage.getItem(OUTBOX_KEY)).toBeNull();
  });

  it("keeps the event after a network error, 503 or 429 and retries with backoff until confirmed", async () => {
    const answers = [
      () => Promise.reject(new TypeError("Failed to fetch")),
      () => Promise.resolve(new Response("", { status: 503 })),
      () => Promise.resolve(new Response("", { status: 429, headers: { "Retry-After": "30" } })),
      () => Promise.resolve(new Response("{}", { status: 200 })),
    ];
    const fetch = vi.fn(() => (answers.shift() as () => Promise<Response>)());
    const client = createLogClient({ endpoint: "/api/consent", fetch });
    await client.send(event(1));
    expect(outbox()).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(2_000);
    expect(fetch).toHaveBeenCalledTimes(2);
    await vi.advanceTimersByTimeAsync(4_000);
    expect(fetch).toHaveBeenCalledTimes(3);
    // Retry-After: 30 outweighs the 8 s backoff.
    await vi.advanceTimersByTimeAsync(10_000);
    expect(fetch).toHaveBeenCalledTimes(3);
    await vi.advanceTimersByTimeAsync(20_000);
    expect(fetch).toHaveBeenCalledTimes(4);
    expect(outbox()).toEqual([]);
    // Every attempt carried the same event id: the worker stores it once.
    const ids = fetch.mock.calls.map(
      (call) => JSON.parse((call as unknown as [string, RequestInit])[1].body as string).eventId,
    );
    expect(new Set(ids)).toEqual(new Set([event(1).eventId]));
  });

  it("drops an event the worker can never accept (4xx) with a console warning", async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const fetch = vi.fn(async () => new Response("{}", { status: 400 }));
    const client = createLogClient({ endpoint: "/api/consent", fetch });
    await client.send(event(1));
    expect(outbox()).toEqual([]);
    expect(warn).toHaveBeenCalledOnce();
    warn.mockRestore();
  });

  it("a new page's client delivers what an earlier page left in the outbox", async () => {
    const offline = vi.fn(() => Promise.reject(new TypeError("offline")));
    await createLogClient({ endpoint: "/api/consent", fetch: offline }).send(event(1));
    await createLogClient({ endpoint: "/api/consent", fetch: offline }).send(event(2));
    expect(outbox().map((entry) => entry.event.eventId)).toEqual([event(1).eventId, event(2).eventId]);
    const online = vi.fn(async () => new Response("{}", { status: 201 }));
    await createLogClient({ endpoint: "/api/consent", fetch: online }).flush();
    expect(online).toHaveBeenCalledTimes(2);
    expect(outbox()).toEqual([]);
  });

  it("delivers strictly in the order of the choices: a later choice never lands first", async () => {
    let up = false;
    const posted: string[] = [];
    const fetch = vi.fn(async (_url: string, init: RequestInit) => {
      posted.push(JSON.parse(init.body as string).eventId);
      if (!up) throw new TypeError("offline");
      return new Response("{}", { status: 201 });
    });
    const client = createLogClient({ endpoint: "/api/consent", fetch: fetch as unknown as typeof globalThis.fetch });
    await client.send(event(1));
    await client.send(event(2));
    // The second choice retried the first and, since that failed, waited behind it.
    expect(posted).toEqual([event(1).eventId, event(1).eventId]);
    up = true;
    await client.flush();
    expect(posted.slice(2)).toEqual([event(1).eventId, event(2).eventId]);
    expect(outbox()).toEqual([]);
  });

  it("treats a refused origin as a configuration error: one console error, no retry on this page, events kept in order", async () => {
    const error = vi.spyOn(console, "error").mockImplementation(() => {});
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const refusal = JSON.stringify({
      error: { code: "forbidden_origin", message: "origin may not post consents", field: "Origin" },
    });
    const fetch = vi.fn(async () => new Response(refusal, { status: 403 }));
    const client = createLogClient({ endpoint: "https://consent.example/api/consent", fetch });
    await client.send(event(1));
    await client.send(event(2));
    await vi.advanceTimersByTimeAsync(3_600_000);
    await client.flush();
    expect(fetch).toHaveBeenCalledOnce();
    expect(error).toHaveBeenCalledOnce();
    const message = String(error.mock.calls[0]?.[0]);
    expect(message).toMatch(/^OpenContact Consent: /);
    for (const part of [location.origin, "https://consent.example", "ALLOWED_ORIGINS"]) expect(message).toContain(part);
    expect(warn).not.toHaveBeenCalled();
    expect(outbox().map((entry) => entry.event.eventId)).toEqual([event(1).eventId, event(2).eventId]);

    // The next page load, once the setting is fixed, delivers both in order.
    const posted: string[] = [];
    const fixed = vi.fn(async (_url: string, init: RequestInit) => {
      posted.push(JSON.parse(init.body as string).eventId);
      return new Response("{}", { status: 201 });
    });
    await createLogClient({ endpoint: "/api/consent", fetch: fixed as unknown as typeof globalThis.fetch }).flush();
    expect(posted).toEqual([event(1).eventId, event(2).eventId]);
    expect(outbox()).toEqual([]);
    error.mockRestore();
    warn.mockRestore();
  });

  it("still drops other 403s with a warning", async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const fetch = vi.fn(async () => new Response('{"error":{"code":"forbidden"}}', { status: 403 }));
    await createLogClient({ endpoint: "/api/consent", fetch }).send(event(1));
    expect(outbox()).toEqual([]);
    expect(warn).toHaveBeenCalledOnce();
    warn.mockRestore();
  });

  it("still works when localStorage is unavailable", async () => {
    const fetch = vi.fn(async () => new Response("{}", { status: 201 }));
    await createLogClient({ endpoint: "/api/consent", fetch, storage: null }).send(event(1));
    expect(fetch).toHaveBeenCalledOnce();
  });
});
