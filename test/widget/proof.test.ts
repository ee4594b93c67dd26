/**
 * Issue 13, the widget side: where each choice was made and whether a person
 * made it (`source`, `trusted`), the site's own privacy URL, the texts sent
 * to the log once when it asks for them, and the receipt kept and offered in
 * the dialog. The same in real Chromium: test/e2e/widget-proof.test.ts.
 */
import { fireEvent, within } from "@testing-library/dom";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { ConsentEvent } from "../../shared/consent-schema.ts";
import { DEFAULT_MESSAGES } from "../../shared/messages.ts";
import { sha256Hex } from "../../shared/revision.ts";
import type { Controller } from "../../widget/controller.ts";
import { createLogClient } from "../../widget/log-client.ts";
import { RECEIPT_KEY } from "../../widget/storage.ts";
import { resolveTexts, textsHash } from "../../widget/texts.ts";
import { type Mounted, mountWidget, resetPage, sampleEvent, settle } from "./helpers.ts";

/** The fields issue 13 adds to a consent event (optional in the schema). */
type Proven = ConsentEvent & { source?: string; trusted?: boolean; privacyUrl?: string };

const ui = (shadow: ShadowRoot) => within(shadow as unknown as HTMLElement);
const last = (mounted: Mounted) => mounted.sent.at(-1) as Proven;

function setUserActivation(isActive: boolean | undefined): void {
  Object.defineProperty(navigator, "userActivation", {
    value: isActive === undefined ? undefined : { isActive, hasBeenActive: isActive },
    configurable: true,
  });
}

describe("each event says where the choice was made and whether a person made it", () => {
  beforeEach(resetPage);
  afterEach(() => {
    setUserActivation(undefined);
    resetPage();
  });

  it("banner buttons: source banner, trusted from the press's isTrusted (a dispatched click is not a person's)", async () => {
    const mounted = mountWidget();
    // Even inside a user activation, a script's synthetic click is not trusted: the event decides.
    setUserActivation(true);
    fireEvent.click(ui(mounted.shadow).getByRole("button", { name: "Reject all" }));
    await settle();
    expect(last(mounted)).toMatchObject({ method: "reject_all", source: "banner", trusted: false });
  });

  it("dialog buttons: source dialog, with the press's isTrusted", async () => {
    const mounted = mountWidget();
    fireEvent.click(ui(mounted.shadow).getByRole("button", { name: "Manage preferences" }));
    await settle();
    const dialog = ui(mounted.shadow).getByRole("dialog");
    fireEvent.click(within(dialog).getByRole("button", { name: "Save choices" }));
    await settle();
    expect(last(mounted)).toMatchObject({ method: "custom", source: "dialog", trusted: false });
  });

  it("the JavaScript API: source api, trusted only inside a user activation", async () => {
    const mounted = mountWidget();
    const api = mounted.controller.api;
    setUserActivation(false);
    await api.acceptAll();
    expect(last(mounted)).toMatchObject({ method: "accept_all", source: "api", trusted: false });
    setUserActivation(true);
    await api.rejectAll();
    expect(last(mounted)).toMatchObject({ source: "api", trusted: true });
    // A browser without navigator.userActivation: not trusted.
    setUserActivation(undefined);
    await api.set({ analytics: true });
    expect(last(mounted)).toMatchObject({ method: "custom", source: "api", trusted: false });
  });

  it("the placeholder's way in: the controller shared with parts, told the source and given the press", async () => {
    const mounted = mountWidget();
    const shared = window.__occPart?.s.controller as Controller;
    expect(shared).toBe(mounted.controller);
    const press = new MouseEvent("click");
    await shared.choose("custom", { analytics: false, functionality: true, targeting: false }, "placeholder", press);
    expect(last(mounted)).toMatchObject({ method: "custom", source: "placeholder", trusted: false });
    // A real press: its isTrusted, whatever the page's activation says.
    setUserActivation(false);
    const trustedPress = { isTrusted: true } as Event;
    await shared.choose(
      "custom",
      { analytics: true, functionality: true, targeting: false },
      "placeholder",
      trustedPress,
    );
    expect(last(mounted)).toMatchObject({ source: "placeholder", trusted: true });
  });
});

describe("privacyUrl", () => {
  beforeEach(resetPage);
  afterEach(resetPage);

  it("is absent when the banner links the log's own /privacy", async () => {
    const mounted = mountWidget();
    await mounted.controller.api.acceptAll();
    expect(last(mounted)).not.toHaveProperty("privacyUrl");
  });

  it("is the site's own statement, made absolute", async () => {
    const mounted = mountWidget({ privacyUrl: "/legal/privacy" });
    await mounted.controller.api.acceptAll();
    expect(last(mounted).privacyUrl).toBe(`${location.origin}/legal/privacy`);
  });

  it("is left out when longer than the log accepts (2048), so the event is never refused for it", async () => {
    const mounted = mountWidget({ privacyUrl: `https://www.example.com/${"p".repeat(2048)}` });
    await mounted.controller.api.acceptAll();
    expect(last(mounted)).not.toHaveProperty("privacyUrl");
  });
});

describe("the texts shown go to the log client with the event", () => {
  beforeEach(resetPage);
  afterEach(resetPage);

  it("with overridden texts: the texts whose hash the event carries", async () => {
    const texts = resolveTexts({ messages: { acceptAll: "Allow everything" } });
    const mounted = mountWidget({ texts });
    await mounted.controller.api.acceptAll();
    expect(mounted.sentTexts.at(-1)).toBe(texts);
    expect(last(mounted).textsHash).toBe(await textsHash(texts));
  });
});

const HASH = "a".repeat(64);
const ENDPOINT = "https://log.example/api/consent";

const event = (n: number, hash?: string) => sampleEvent(n, hash ? { textsHash: hash } : {});

const receipt = (n: number, extra: object = {}) =>
  JSON.stringify({
    eventId: event(n).eventId,
    consentId: event(n).consentId,
    record: { method: "reject_all" },
    ...extra,
  });

/** A fetch that answers each POST from `answers` (the last repeats) and each PUT with `putStatus()`. */
function fakeLog(answers: string[], putStatus: () => number | Error = () => 201) {
  const puts: { url: string; body: string }[] = [];
  const fetch = vi.fn(async (url: string | URL, init?: RequestInit) => {
    if (init?.method === "PUT") {
      puts.push({ url: String(url), body: init.body as string });
      const status = putStatus();
      if (status instanceof Error) throw status;
      return new Response("{}", { status });
    }
    const body = answers.length > 1 ? (answers.shift() as string) : (answers[0] as string);
    return new Response(body, { status: 201 });
  });
  return { fetch: fetch as unknown as typeof globalThis.fetch, puts, calls: fetch };
}

describe("log client: receipts and texts", () => {
  const texts = resolveTexts({ messages: { acceptAll: "Allow everything" } });
  beforeEach(() => localStorage.clear());

  it("keeps each response as is, the latest replacing the one before", async () => {
    const log = fakeLog([receipt(1), receipt(2)]);
    const client = createLogClient({ endpoint: ENDPOINT, fetch: log.fetch });
    await client.send(event(1));
    expect(localStorage.getItem(RECEIPT_KEY)).toBe(receipt(1));
    await client.send(event(2));
    expect(localStorage.getItem(RECEIPT_KEY)).toBe(receipt(2));
  });

  it("keeps nothing from a refused event or an answer that is not JSON", async () => {
    vi.spyOn(console, "warn").mockImplementation(() => {});
    const refusing = vi.fn(async () => new Response('{"error":{}}', { status: 400 }));
    await createLogClient({ endpoint: ENDPOINT, fetch: refusing as unknown as typeof fetch }).send(event(1));
    const html = vi.fn(async () => new Response("<html>proxy</html>", { status: 200 }));
    await createLogClient({ endpoint: ENDPOINT, fetch: html as unknown as typeof fetch }).send(event(2));
    expect(localStorage.getItem(RECEIPT_KEY)).toBeNull();
    vi.restoreAllMocks();
  });

  it("PUTs the texts once, exactly what was hashed, when the response wants them", async () => {
    const hash = (await textsHash(texts)) as string;
    const log = fakeLog([receipt(1, { textsWanted: true }), receipt(2, { textsWanted: true })]);
    const client = createLogClient({ endpoint: ENDPOINT, fetch: log.fetch });
    await client.send(event(1, hash), texts);
    await settle();
    expect(log.puts).toHaveLength(1);
    expect(log.puts[0]?.url).toBe(`https://log.example/api/texts/${hash}`);
    expect(await sha256Hex(log.puts[0]?.body as string)).toBe(hash);
    expect(JSON.parse(log.puts[0]?.body as string)).toEqual({ categories: texts.categories, messages: texts.messages });
    // Once per page: a later response that still wants them (a race on the log) sends nothing more.
    await client.send(event(2, hash), texts);
    await settle();
    expect(log.puts).toHaveLength(1);
  });

  it("sends no texts when the response does not want them, or the page did not show them", async () => {
    const hash = (await textsHash(texts)) as string;
    const log = fakeLog([receipt(1), receipt(2, { textsWanted: true })]);
    const client = createLogClient({ endpoint: ENDPOINT, fetch: log.fetch });
    await client.send(event(1, hash), texts);
    // An event from an earlier page, whose texts this page never showed.
    await client.send(event(2, HASH));
    await settle();
    expect(log.puts).toEqual([]);
  });

  it("a failed PUT: one warning, no delay to the choice, sent again on the next response that wants them", async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const hash = (await textsHash(texts)) as string;
    const statuses: (number | Error)[] = [503, new TypeError("Failed to fetch"), 201];
    const log = fakeLog(
      [
        receipt(1, { textsWanted: true }),
        receipt(2),
        receipt(3, { textsWanted: true }),
        receipt(4, { textsWanted: true }),
      ],
      () => statuses.shift() as number | Error,
    );
    const client = createLogClient({ endpoint: ENDPOINT, fetch: log.fetch });
    await client.send(event(1, hash), texts);
    await settle();
    expect(log.puts).toHaveLength(1);
    expect(localStorage.getItem(RECEIPT_KEY)).toBe(receipt(1, { textsWanted: true }));
    // A response that does not want them is no reason to try again.
    await client.send(event(2, hash), texts);
    await settle();
    expect(log.puts).toHaveLength(1);
    await client.send(event(3, hash), texts);
    await settle();
    await client.send(event(4, hash), texts);
    await settle();
    expect(log.puts).toHaveLength(3);
    expect(warn).toHaveBeenCalledOnce();
    expect(warn.mock.calls[0]?.[0]).toMatch(/^OpenContact Consent: texts [0-9a-f]{64} not sent \(503\)/);
    // Every event was delivered all the same.
    expect(log.calls.mock.calls.filter(([, init]) => init?.method === "POST")).toHaveLength(4);
    warn.mockRestore();
  });
});

describe("the dialog offers the kept receipt", () => {
  beforeEach(resetPage);
  afterEach(resetPage);

  async function openDialog(mounted: Mounted) {
    fireEvent.click(ui(mounted.shadow).getByRole("button", { name: "Manage preferences" }));
    await settle();
    return ui(mounted.shadow).getByRole("dialog");
  }

  it("as a .json download when one is kept", async () => {
    localStorage.setItem(RECEIPT_KEY, receipt(7));
    const dialog = await openDialog(mountWidget());
    const link = within(dialog).getByRole("link", { name: DEFAULT_MESSAGES.receiptDownload });
    expect(link.getAttribute("href")).toMatch(/^blob:/);
    expect(link.getAttribute("download")).toBe(`consent-receipt-${event(7).eventId}.json`);
  });

  it("not at all when none is kept", async () => {
    const dialog = await openDialog(mountWidget());
    expect(within(dialog).queryByRole("link", { name: DEFAULT_MESSAGES.receiptDownload })).toBeNull();
  });
});
