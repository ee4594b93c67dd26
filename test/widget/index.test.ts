import { within } from "@testing-library/dom";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { OUTBOX_KEY } from "../../widget/log-client.ts";
import type { ConsentChange } from "../../widget/types.ts";
import { registerParts, resetPage, settle } from "./helpers.ts";

/** Runs the entry as a page would, once per import, with its parts at hand. */
async function loadEntry() {
  vi.resetModules();
  registerParts(await import("../../widget/parts.ts"));
  await import("../../widget/index.ts");
}

function cleanWindow() {
  const page = window as unknown as Record<string, unknown>;
  delete page.OpenContactConsent;
  delete page.__openContactConsentBooted;
}

describe("widget entry", () => {
  const fetchMock = vi.fn(async () => new Response("{}", { status: 201 }));

  beforeEach(() => {
    resetPage();
    cleanWindow();
    vi.stubGlobal("fetch", fetchMock);
    fetchMock.mockClear();
  });
  afterEach(() => {
    vi.unstubAllGlobals();
    resetPage();
    cleanWindow();
  });

  it("shows the banner at once and exposes the API; a second copy does nothing", async () => {
    await loadEntry();
    await loadEntry();
    const hosts = document.querySelectorAll("opencontact-consent");
    expect(hosts).toHaveLength(1);
    expect(document.body.firstElementChild).toBe(hosts[0]);
    const shadow = hosts[0]?.shadowRoot as unknown as HTMLElement;
    expect(within(shadow).getByRole("region", { name: "Cookie choices" })).toBeTruthy();
    const api = window.OpenContactConsent;
    expect(api?.get()).toBeNull();
    expect(typeof api?.version).toBe("string");
  });

  it("opens the preferences from any [data-consent-open] element", async () => {
    const link = document.createElement("a");
    link.href = "#cookies";
    link.setAttribute("data-consent-open", "");
    link.innerHTML = "<span>Cookie settings</span>";
    document.body.append(link);
    await loadEntry();
    (link.firstChild as HTMLElement).click();
    await settle();
    const shadow = document.querySelector("opencontact-consent")?.shadowRoot as unknown as HTMLElement;
    expect(within(shadow).getByRole("dialog", { name: "Cookie preferences" })).toBeTruthy();
  });

  it("announces each choice with the opencontact:consent event and on('change'), and posts it", async () => {
    await loadEntry();
    const events: ConsentChange[] = [];
    const listened: ConsentChange[] = [];
    document.addEventListener("opencontact:consent", (event) => events.push(event.detail));
    const listener = (change: ConsentChange) => listened.push(change);
    window.OpenContactConsent?.on("change", listener);
    await window.OpenContactConsent?.set({ analytics: true });
    window.OpenContactConsent?.off("change", listener);
    await window.OpenContactConsent?.rejectAll();
    expect(events.map((event) => event.method)).toEqual(["custom", "withdraw"]);
    expect(listened).toHaveLength(1);
    expect(listened[0]?.consent.choices).toEqual({ analytics: true, functionality: false, targeting: false });
    expect(window.OpenContactConsent?.get()?.choices.analytics).toBe(false);
    expect(fetchMock).toHaveBeenCalledTimes(2);
    const [url, init] = fetchMock.mock.calls[0] as unknown as [string, RequestInit];
    expect(url).toBe(`${location.origin}/api/consent`);
    expect(init.keepalive).toBe(true);
    expect(JSON.parse(init.body as string)).toMatchObject({ method: "custom", widgetVersion: expect.any(String) });
  });

  it("puts its host back, state kept, when the page replaces <body> (Turbo Drive, some routers)", async () => {
    await loadEntry();
    const host = document.querySelector("opencontact-consent");
    const next = document.createElement("body");
    next.innerHTML = '<main><a href="#cookies" data-consent-open>Cookie settings</a></main>';
    document.documentElement.replaceChild(next, document.body);
    await settle();
    expect(document.body).toBe(next);
    expect(next.firstElementChild).toBe(host);
    const shadow = host?.shadowRoot as unknown as HTMLElement;
    expect(within(shadow).getByRole("region", { name: "Cookie choices" })).toBeTruthy();
    next.querySelector("a")?.click();
    await settle();
    expect(within(shadow).getByRole("dialog", { name: "Cookie preferences" })).toBeTruthy();
  });

  /** A first page where the visitor accepts all, then gone: the next loadEntry() is their next page. */
  async function chooseThenLeave() {
    await loadEntry();
    await window.OpenContactConsent?.acceptAll();
    cleanWindow();
    document.body.replaceChildren();
  }

  /** An event an earlier page could not deliver, waiting in the outbox. */
  function leaveInOutbox(eventId: string) {
    localStorage.setItem(OUTBOX_KEY, JSON.stringify([{ event: { eventId }, attempts: 1, due: 0 }]));
  }
  const postedIds = () =>
    (fetchMock.mock.calls as unknown as [string, RequestInit][]).map(
      ([, init]) => JSON.parse(String(init.body)).eventId,
    );

  it("on a first visit leaves the outbox alone until the first choice, which delivers what waits there first", async () => {
    leaveInOutbox("left-by-an-earlier-page");
    const reads = vi.spyOn(Storage.prototype, "getItem");
    await loadEntry();
    await expect.poll(() => document.querySelector("opencontact-consent")).not.toBeNull();
    await settle();
    expect(reads).not.toHaveBeenCalled();
    expect(fetchMock).not.toHaveBeenCalled();
    await window.OpenContactConsent?.acceptAll();
    expect(postedIds()).toHaveLength(2);
    expect(postedIds()[0]).toBe("left-by-an-earlier-page");
    expect(localStorage.getItem(OUTBOX_KEY)).toBeNull();
  });

  it("for a visitor who chose before, retries the outbox at start without waiting for a choice", async () => {
    await chooseThenLeave();
    fetchMock.mockClear();
    leaveInOutbox("left-by-an-earlier-page");
    await loadEntry();
    await vi.waitFor(() => expect(postedIds()).toEqual(["left-by-an-earlier-page"]), { timeout: 3000 });
    expect(localStorage.getItem(OUTBOX_KEY)).toBeNull();
  });

  it("announces a valid stored choice at start, with method null", async () => {
    await chooseThenLeave();
    const events: ConsentChange[] = [];
    const record = (event: CustomEvent<ConsentChange>) => events.push(event.detail);
    document.addEventListener("opencontact:consent", record);
    await loadEntry();
    document.removeEventListener("opencontact:consent", record);
    expect(events).toHaveLength(1);
    expect(events[0]?.method).toBeNull();
    expect(events[0]?.consent.choices.targeting).toBe(true);
  });

  it("reset() forgets the choice and shows the banner again", async () => {
    await loadEntry();
    await window.OpenContactConsent?.acceptAll();
    window.OpenContactConsent?.reset();
    await settle();
    expect(window.OpenContactConsent?.get()).toBeNull();
    expect(document.cookie).not.toContain("opencontact_consent");
    const shadow = document.querySelector("opencontact-consent")?.shadowRoot as unknown as HTMLElement;
    expect(within(shadow).getByRole("region")).toBeTruthy();
  });
});
