import { fireEvent, within } from "@testing-library/dom";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CATEGORIES } from "../../../shared/categories.ts";
import { decodeRecord } from "../../../widget/consent-state.ts";
import { CONSENT_COOKIE, readCookie } from "../../../widget/storage.ts";
import { type Mounted, mountWidget, resetPage, settle } from "../helpers.ts";

const ui = (shadow: ShadowRoot) => within(shadow as unknown as HTMLElement);

async function openPreferences(mounted: Mounted) {
  fireEvent.click(ui(mounted.shadow).getByRole("button", { name: "Manage preferences" }));
  await settle();
  return ui(mounted.shadow).getByRole("dialog", { name: "Cookie preferences" });
}

function switches(dialog: HTMLElement) {
  return within(dialog).getAllByRole("switch");
}

function stored() {
  return decodeRecord(readCookie(CONSENT_COOKIE), Date.now());
}

describe("preferences dialog", () => {
  beforeEach(resetPage);
  afterEach(resetPage);

  it("is a labelled modal dialog that takes focus", async () => {
    const mounted = mountWidget();
    const dialog = await openPreferences(mounted);
    expect(dialog.getAttribute("aria-modal")).toBe("true");
    expect((dialog as HTMLDialogElement).open).toBe(true);
    expect(dialog.contains(mounted.shadow.activeElement)).toBe(true);
  });

  it("has one switch per optional category, named after it and off, and Strictly necessary always on", async () => {
    const dialog = await openPreferences(mountWidget());
    const names = switches(dialog).map((element) => mountedText(dialog, element.getAttribute("aria-labelledby")) ?? "");
    expect(names).toEqual(CATEGORIES.map((category) => category.name));
    for (const element of switches(dialog)) expect(element.getAttribute("aria-checked")).toBe("false");
    for (const category of CATEGORIES) {
      expect(within(dialog).getByRole("switch", { name: category.name }).getAttribute("aria-describedby")).toBeTruthy();
      expect(dialog.textContent).toContain(category.description);
    }
    expect(within(dialog).getByRole("heading", { name: "Strictly necessary cookies" })).toBeTruthy();
    expect(dialog.textContent).toContain("Always on");
  });

  it("saves exactly the switches turned on, as a custom choice", async () => {
    const mounted = mountWidget();
    const dialog = await openPreferences(mounted);
    const analytics = within(dialog).getByRole("switch", { name: CATEGORIES[0]?.name });
    fireEvent.click(analytics);
    await settle();
    expect(analytics.getAttribute("aria-checked")).toBe("true");
    fireEvent.click(within(dialog).getByRole("button", { name: "Save choices" }));
    await settle();
    expect(stored()?.choices).toEqual({ analytics: true, functionality: false, targeting: false });
    expect(mounted.sent[0]?.method).toBe("custom");
    expect(ui(mounted.shadow).queryByRole("dialog")).toBeNull();
  });

  it("lists each category's declared services and cookies in a collapsed disclosure", async () => {
    const dialog = await openPreferences(mountWidget());
    const disclosures = Array.from(dialog.querySelectorAll("details"));
    // Strictly necessary and every optional category declare services in content/cookies.json.
    expect(disclosures).toHaveLength(1 + CATEGORIES.length);
    for (const details of disclosures) {
      expect(details.open).toBe(false);
      const summary = details.querySelector("summary");
      expect(summary?.textContent).toBe("Services and cookies");
      // Named by its category for screen readers, which read the summary out of context.
      expect(mountedText(dialog, summary?.getAttribute("aria-describedby") ?? null)).toBeTruthy();
    }
    const analytics = disclosures[1] as HTMLDetailsElement;
    expect(within(analytics).getByRole("heading", { name: "Google Analytics (Google Ireland Limited)" })).toBeTruthy();
    expect(
      within(analytics)
        .getAllByRole("columnheader")
        .map((th) => th.textContent),
    ).toEqual(["Name", "Purpose", "Duration"]);
    const ga = within(analytics).getByRole("row", { name: /^_ga Tells one visitor/ });
    expect(
      within(ga)
        .getAllByRole("cell")
        .map((td) => td.textContent),
    ).toEqual([
      "_ga",
      "Tells one visitor's visits apart from another's with a random number, so we can count visitors.",
      "2 years",
    ]);
  });

  it("keeps the disclosures in the Tab order it traps", async () => {
    const mounted = mountWidget();
    const dialog = await openPreferences(mounted);
    const summary = dialog.querySelector("summary") as HTMLElement;
    summary.focus();
    fireEvent.keyDown(dialog, { key: "Tab", shiftKey: true });
    // Shift+Tab from a summary is the browser's own move inside the dialog, not a wrap to the last button.
    expect(mounted.shadow.activeElement).toBe(summary);
  });

  it("closing without saving (Close button or Escape) changes nothing", async () => {
    const mounted = mountWidget();
    let dialog = await openPreferences(mounted);
    fireEvent.click(switches(dialog)[0] as HTMLElement);
    fireEvent.click(within(dialog).getByRole("button", { name: "Close" }));
    await settle();
    expect(ui(mounted.shadow).queryByRole("dialog")).toBeNull();
    expect(stored()).toBeNull();
    expect(mounted.sent).toEqual([]);
    // The banner is still there: closing is not consent (EDPB 05/2020).
    expect(ui(mounted.shadow).getByRole("region")).toBeTruthy();

    dialog = await openPreferences(mounted);
    expect(switches(dialog)[0]?.getAttribute("aria-checked")).toBe("false");
    fireEvent.keyDown(dialog, { key: "Escape" });
    await settle();
    expect(ui(mounted.shadow).queryByRole("dialog")).toBeNull();
    expect(stored()).toBeNull();
  });

  it("returns focus to the element that opened it", async () => {
    const mounted = mountWidget();
    const manage = ui(mounted.shadow).getByRole("button", { name: "Manage preferences" });
    manage.focus();
    const dialog = await openPreferences(mounted);
    fireEvent.keyDown(dialog, { key: "Escape" });
    await settle();
    expect(mounted.shadow.activeElement).toBe(manage);
  });

  it("keeps Tab inside the dialog", async () => {
    const mounted = mountWidget();
    const dialog = await openPreferences(mounted);
    const focusable = within(dialog).getAllByRole("button");
    const last = focusable[focusable.length - 1] as HTMLElement;
    last.focus();
    fireEvent.keyDown(dialog, { key: "Tab" });
    expect(mounted.shadow.activeElement).toBe(within(dialog).getByRole("button", { name: "Close" }));
    fireEvent.keyDown(dialog, { key: "Tab", shiftKey: true });
    expect(mounted.shadow.activeElement).toBe(last);
  });

  it("shows the consent id and the date of the last choice after a choice", async () => {
    const mounted = mountWidget();
    fireEvent.click(ui(mounted.shadow).getByRole("button", { name: "Reject all" }));
    await settle();
    mounted.controller.showPreferences();
    await settle();
    const dialog = ui(mounted.shadow).getByRole("dialog");
    const consentId = stored()?.consentId as string;
    expect(dialog.textContent).toContain("Your consent id");
    expect(dialog.textContent).toContain(consentId);
    const time = dialog.querySelector("time");
    expect(time?.getAttribute("datetime")).toBe(new Date(stored()?.time as number).toISOString());
    expect(time?.textContent).toMatch(/\d{4}/);
  });

  it("preselects the stored choice; turning off a granted category is a withdrawal that reloads", async () => {
    const mounted = mountWidget();
    fireEvent.click(ui(mounted.shadow).getByRole("button", { name: "Accept all" }));
    await settle();
    mounted.controller.showPreferences();
    await settle();
    const dialog = ui(mounted.shadow).getByRole("dialog");
    for (const element of switches(dialog)) expect(element.getAttribute("aria-checked")).toBe("true");
    fireEvent.click(within(dialog).getByRole("switch", { name: CATEGORIES[2]?.name }));
    fireEvent.click(within(dialog).getByRole("button", { name: "Save choices" }));
    await settle();
    expect(mounted.sent.map((event) => event.method)).toEqual(["accept_all", "withdraw"]);
    expect(mounted.sent[1]?.choices).toEqual({ analytics: true, functionality: true, targeting: false });
    expect(mounted.sent[1]?.consentId).toBe(mounted.sent[0]?.consentId);
    expect(mounted.reloads).toBe(1);
  });

  it("does not reload after a withdrawal when the site turned reloading off", async () => {
    const mounted = mountWidget({ reloadOnWithdraw: false });
    await mounted.controller.api.acceptAll();
    await mounted.controller.api.rejectAll();
    expect(mounted.sent.map((event) => event.method)).toEqual(["accept_all", "withdraw"]);
    expect(mounted.reloads).toBe(0);
  });

  it("honours Global Privacy Control: says so, and targeting is never preselected", async () => {
    Object.defineProperty(navigator, "globalPrivacyControl", { value: true, configurable: true });
    try {
      const mounted = mountWidget();
      await mounted.controller.api.set({ targeting: true });
      mounted.controller.showPreferences();
      await settle();
      const dialog = ui(mounted.shadow).getByRole("dialog");
      expect(dialog.textContent).toContain("Global Privacy Control");
      expect(within(dialog).getByRole("switch", { name: CATEGORIES[2]?.name }).getAttribute("aria-checked")).toBe(
        "false",
      );
      expect(mounted.sent[0]?.gpc).toBe(true);
    } finally {
      Reflect.deleteProperty(navigator, "globalPrivacyControl");
    }
  });
});

function mountedText(dialog: HTMLElement, id: string | null): string | null {
  return id ? (dialog.querySelector(`#${id}`)?.textContent ?? null) : null;
}
