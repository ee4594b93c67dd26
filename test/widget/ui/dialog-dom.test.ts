/**
 * The preferences dialog's DOM, element by element: tags, attributes (sorted, so the order they
 * were set in does not count), and text (adjacent text nodes joined, as the accessibility tree
 * and `textContent` read them). The snapshot was taken of the dialog Preact rendered; the plain-DOM
 * dialog must match it. Random values (consent id, Blob URL, dates) are masked.
 */
import { fireEvent, within } from "@testing-library/dom";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { readConfig } from "../../../widget/config.ts";
import useRules from "../../../widget/parts/rules.ts";
import { RECEIPT_KEY } from "../../../widget/storage.ts";
import { resolveTexts } from "../../../widget/texts.ts";
import { type Mounted, mountWidget, resetPage, settle } from "../helpers.ts";

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;

/**
 * One line per element, indented by depth; text as JSON strings. Without the props a development
 * JSX transform adds (`__self`, `__source`; not in the built part), and with `<details>` as one line
 * when `tables` is false (the first snapshot has them all).
 */
function shape(element: Element, tables = true, depth = 0): string[] {
  const pad = "  ".repeat(depth);
  if (!tables && element.localName === "details") return [`${pad}<details>…`];
  const attributes = Array.from(element.attributes)
    .filter(({ name }) => !name.startsWith("__"))
    .map(({ name, value }) => `${name}=${JSON.stringify(mask(name, value))}`)
    .sort();
  const lines = [`${pad}<${element.localName}${attributes.map((attribute) => ` ${attribute}`).join("")}>`];
  let text = "";
  const flush = () => {
    if (text)
      lines.push(`${pad}  ${JSON.stringify(element.localName === "time" ? "<time>" : text.replace(UUID, "<uuid>"))}`);
    text = "";
  };
  for (const child of Array.from(element.childNodes)) {
    if (child.nodeType === Node.TEXT_NODE) text += child.textContent;
    else if (child instanceof Element) {
      flush();
      lines.push(...shape(child, tables, depth + 1));
    }
  }
  flush();
  return lines;
}

function mask(name: string, value: string): string {
  if (name === "href" && value.startsWith("blob:")) return "blob:<url>";
  if (name === "datetime") return "<iso>";
  return value;
}

async function openedDialog(mounted: Mounted): Promise<HTMLElement> {
  mounted.controller.showPreferences();
  await settle();
  return within(mounted.shadow as unknown as HTMLElement).getByRole("dialog");
}

describe("the preferences dialog's DOM", () => {
  beforeEach(resetPage);
  afterEach(resetPage);

  it("on a first visit", async () => {
    const dialog = await openedDialog(mountWidget());
    expect(shape(dialog).join("\n")).toMatchSnapshot();
  });

  it("after a choice, with a receipt kept and Global Privacy Control on", async () => {
    Object.defineProperty(navigator, "globalPrivacyControl", { value: true, configurable: true });
    try {
      const mounted = mountWidget();
      await mounted.controller.api.rejectAll();
      localStorage.setItem(RECEIPT_KEY, JSON.stringify({ eventId: "22222222-2222-4222-8222-222222222222" }));
      const dialog = await openedDialog(mounted);
      expect(shape(dialog, false).join("\n")).toMatchSnapshot();
    } finally {
      Reflect.deleteProperty(navigator, "globalPrivacyControl");
    }
  });

  it("under the UK rule: each category's basis follows its switch, which keeps focus", async () => {
    const config = readConfig(null);
    const rules = useRules(
      { ...config, texts: resolveTexts({}) },
      { region: "uk", ruleSet: "uk", exceptions: ["analytics"] },
      false,
    );
    const mounted = mountWidget({ rules });
    mounted.controller.bannerShown();
    const dialog = await openedDialog(mounted);
    expect(shape(dialog, false).join("\n")).toMatchSnapshot();
    const analytics = within(dialog).getAllByRole("switch")[0] as HTMLElement;
    analytics.focus();
    fireEvent.click(analytics);
    await settle();
    expect(within(dialog).getAllByRole("switch")[0]).toBe(analytics);
    expect(mounted.shadow.activeElement).toBe(analytics);
    expect(analytics.getAttribute("aria-checked")).toBe("false");
    expect(shape(dialog, false).join("\n")).toMatchSnapshot();
  });
});

describe("the dialog's part", () => {
  beforeEach(resetPage);
  afterEach(() => {
    vi.restoreAllMocks();
    resetPage();
  });

  it("leaves an open dialog as it is when the core draws again: the same elements, draft and focus", async () => {
    const mounted = mountWidget();
    const dialog = await openedDialog(mounted);
    const functionality = within(dialog).getAllByRole("switch")[1] as HTMLElement;
    functionality.focus();
    fireEvent.click(functionality);
    // Any change the core draws (here the banner asked for again) renders the part again with props.
    mounted.controller.showBanner();
    mounted.controller.showPreferences();
    await settle();
    expect(within(mounted.shadow as unknown as HTMLElement).getByRole("dialog")).toBe(dialog);
    expect(mounted.shadow.activeElement).toBe(functionality);
    expect(functionality.getAttribute("aria-checked")).toBe("true");
  });

  it("on close, revokes the receipt's Blob URL and, with the opener gone, focuses the re-open button", async () => {
    localStorage.setItem(RECEIPT_KEY, JSON.stringify({ eventId: "22222222-2222-4222-8222-222222222222" }));
    const revoke = vi.spyOn(URL, "revokeObjectURL");
    const mounted = mountWidget();
    const shadow = mounted.shadow as unknown as HTMLElement;
    within(shadow).getByRole("button", { name: "Manage preferences" }).focus();
    const dialog = await openedDialog(mounted);
    const url = within(dialog)
      .getByRole("link", { name: /receipt/i })
      .getAttribute("href");
    // Save closes the dialog and the banner, the dialog's opener with it.
    fireEvent.click(within(dialog).getByRole("button", { name: "Save choices" }));
    await settle();
    expect(within(shadow).queryByRole("dialog")).toBeNull();
    expect(revoke).toHaveBeenCalledWith(url);
    expect(mounted.shadow.activeElement).toBe(mounted.shadow.querySelector(".reopen"));
  });
});
