import { fireEvent, within } from "@testing-library/dom";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { REVISION } from "../../../shared/generated/build-info.ts";
import { DEFAULT_MESSAGES } from "../../../shared/messages.ts";
import { decodeRecord } from "../../../widget/consent-state.ts";
import { CONSENT_COOKIE, readCookie } from "../../../widget/storage.ts";
import { resolveTexts, textsHash } from "../../../widget/texts.ts";
import { mountWidget, resetPage, settle } from "../helpers.ts";

const ui = (shadow: ShadowRoot) => within(shadow as unknown as HTMLElement);

describe("banner", () => {
  beforeEach(resetPage);
  afterEach(resetPage);

  it("is a labelled region with Reject all, Accept all and Manage preferences, and does not take focus", () => {
    const before = document.activeElement;
    const { shadow } = mountWidget();
    const region = ui(shadow).getByRole("region", { name: DEFAULT_MESSAGES.bannerLabel });
    const buttons = within(region)
      .getAllByRole("button")
      .map((button) => button.textContent);
    expect(buttons).toEqual(["Reject all", "Accept all", "Manage preferences"]);
    // Equal prominence: the same class, so the same size, weight and colour (ICO; CNIL 2020-092).
    const classes = within(region)
      .getAllByRole("button")
      .map((button) => button.className);
    expect(new Set(classes).size).toBe(1);
    expect(within(region).getByRole("link", { name: "Privacy statement" }).getAttribute("href")).toBe(
      `${location.origin}/privacy`,
    );
    expect(region.textContent).toContain("OpenContact Services Limited");
    expect(document.activeElement).toBe(before);
    // No cookie wall: nothing is modal and nothing else on the page is hidden.
    expect(ui(shadow).queryByRole("dialog")).toBeNull();
  });

  it("stores nothing before a choice", () => {
    mountWidget();
    expect(readCookie(CONSENT_COOKIE)).toBeUndefined();
  });

  it("Accept all stores every category, hides the banner and posts accept_all", async () => {
    const mounted = mountWidget();
    fireEvent.click(ui(mounted.shadow).getByRole("button", { name: "Accept all" }));
    await settle();
    const record = decodeRecord(readCookie(CONSENT_COOKIE), Date.now());
    expect(record?.choices).toEqual({ analytics: true, functionality: true, targeting: true });
    expect(record?.revision).toBe(REVISION);
    expect(ui(mounted.shadow).queryByRole("region")).toBeNull();
    expect(mounted.sent).toHaveLength(1);
    expect(mounted.sent[0]).toMatchObject({
      method: "accept_all",
      consentId: record?.consentId,
      revision: REVISION,
      choices: { analytics: true, functionality: true, targeting: true },
      language: "en-GB",
      gpc: false,
    });
    expect(mounted.sent[0]?.textsHash).toBeUndefined();
  });

  it("Reject all stores a refusal, which is a choice too (no re-prompt)", async () => {
    const mounted = mountWidget();
    fireEvent.click(ui(mounted.shadow).getByRole("button", { name: "Reject all" }));
    await settle();
    expect(decodeRecord(readCookie(CONSENT_COOKIE), Date.now())?.choices).toEqual({
      analytics: false,
      functionality: false,
      targeting: false,
    });
    expect(mounted.sent[0]?.method).toBe("reject_all");
  });

  it("after a choice, shows the floating Cookie settings button, which opens the preferences", async () => {
    const mounted = mountWidget();
    fireEvent.click(ui(mounted.shadow).getByRole("button", { name: "Reject all" }));
    await settle();
    fireEvent.click(ui(mounted.shadow).getByRole("button", { name: "Cookie settings" }));
    await settle();
    expect(ui(mounted.shadow).getByRole("dialog", { name: "Cookie preferences" })).toBeTruthy();
  });

  it("has no floating button when turned off", async () => {
    const mounted = mountWidget({ floatingButton: false });
    fireEvent.click(ui(mounted.shadow).getByRole("button", { name: "Reject all" }));
    await settle();
    expect(ui(mounted.shadow).queryByRole("button", { name: "Cookie settings" })).toBeNull();
  });

  it("does not show again on the next page once a choice is stored", async () => {
    const first = mountWidget();
    fireEvent.click(ui(first.shadow).getByRole("button", { name: "Accept all" }));
    await settle();
    document.body.replaceChildren();
    const second = mountWidget();
    expect(ui(second.shadow).queryByRole("region")).toBeNull();
    expect(second.controller.api.get()?.consentId).toBe(first.sent[0]?.consentId);
    expect(second.applied).toEqual([{ analytics: true, functionality: true, targeting: true }]);
  });

  it("shows the site's own texts and posts the hash of exactly those texts", async () => {
    const texts = resolveTexts({ messages: { acceptAll: "Accept everything", bannerTitle: "Cookies here" } });
    const mounted = mountWidget({ texts, language: "en-US" });
    expect(ui(mounted.shadow).getByRole("heading", { name: "Cookies here" })).toBeTruthy();
    expect(mounted.host.shadowRoot?.querySelector("[lang]")?.getAttribute("lang")).toBe("en-US");
    fireEvent.click(ui(mounted.shadow).getByRole("button", { name: "Accept everything" }));
    await settle();
    expect(mounted.sent[0]?.textsHash).toBe(await textsHash(texts));
    expect(mounted.sent[0]?.language).toBe("en-US");
  });
});
