/**
 * Issue 14, the widget side: under the UK rule the exception's categories run
 * once the banner has been shown, an objection is its own event, GPC counts
 * as one, and every event claims the rule set and each category's basis;
 * under the EEA rule nothing changes but the claim. The same in real
 * Chromium against the worker: test/e2e/widget-rules.test.ts.
 */
import { fireEvent, within } from "@testing-library/dom";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { ConsentEvent } from "../../shared/consent-schema.ts";
import type { RulesAnswer } from "../../shared/rules.ts";
import { readConfig } from "../../widget/config.ts";
import useRules, { type RulesInUse } from "../../widget/parts/rules.ts";
import { resolveTexts } from "../../widget/texts.ts";
import { type Mounted, mountWidget, resetPage, settle } from "./helpers.ts";

/** A fresh copy of the core's rules module and part loader (each keeps one answer per page). */
async function freshCore() {
  vi.resetModules();
  const parts = await import("../../widget/parts.ts");
  const rules = await import("../../widget/rules.ts");
  return { parts, rules };
}

const UK: RulesAnswer = { region: "uk", ruleSet: "uk", exceptions: ["analytics"] };
const UK_BOTH: RulesAnswer = { region: "uk", ruleSet: "uk", exceptions: ["analytics", "functionality"] };
const EEA: RulesAnswer = { region: "eea", ruleSet: "eea", exceptions: [] };

type Claimed = ConsentEvent & { ruleSet?: string; basis?: Record<string, string> };

/** What the rules part makes of the log's `answer`, as `config.rules`. */
async function rulesFor(answer: RulesAnswer, gpc = false, messages = {}): Promise<RulesInUse> {
  return useRules({ ...readConfig(null), texts: resolveTexts({ messages }) }, answer, gpc);
}

function setGpc(value: boolean | undefined): void {
  Object.defineProperty(navigator, "globalPrivacyControl", { value, configurable: true });
}

const ui = (mounted: Mounted) => within(mounted.shadow as unknown as HTMLElement);
const last = (mounted: Mounted) => mounted.sent.at(-1) as Claimed;

describe("the rules part", () => {
  it("claims the rule set and each category's basis from the choices", async () => {
    const uk = await rulesFor(UK);
    expect(uk.claim({ analytics: true, functionality: true, targeting: true })).toEqual({
      ruleSet: "uk",
      basis: { analytics: "exception-not-objected", functionality: "consent", targeting: "consent" },
    });
    expect(uk.claim({ analytics: false, functionality: false, targeting: false }).basis.analytics).toBe("objected");
    expect((await rulesFor(UK_BOTH)).claim({ analytics: true, functionality: false, targeting: false }).basis).toEqual({
      analytics: "exception-not-objected",
      functionality: "objected",
      targeting: "consent",
    });
    expect((await rulesFor(EEA)).claim({ analytics: true, functionality: true, targeting: true })).toEqual({
      ruleSet: "eea",
      basis: { analytics: "consent", functionality: "consent", targeting: "consent" },
    });
  });

  it("says where the log places the visitor, beside the rule: the UK, the EEA, or elsewhere under either rule", async () => {
    expect((await rulesFor(UK)).words.rule).toMatch(/^We place you in the UK\. UK rules apply/);
    expect((await rulesFor(EEA)).words.rule).toMatch(/^We place you in the EEA .*\. EEA rules apply/);
    expect((await rulesFor({ ...UK, region: "other" })).words.rule).toMatch(
      /^We place you outside .*\. UK rules apply/,
    );
    expect((await rulesFor({ ...EEA, region: "other" })).words.rule).toMatch(
      /^We place you outside .*\. EEA rules apply/,
    );
  });

  it("turns on only the exception's categories under UK, never targeting; nothing under EEA", async () => {
    expect((await rulesFor(UK)).defaults).toEqual({ analytics: true, functionality: false, targeting: false });
    expect((await rulesFor(UK_BOTH)).defaults).toEqual({ analytics: true, functionality: true, targeting: false });
    expect((await rulesFor(EEA)).defaults).toBeUndefined();
  });

  it("refuses an answer that is not one", () => {
    const config = readConfig(null);
    expect(() => useRules(config, { ruleSet: "usa" } as unknown as RulesAnswer, false)).toThrow("not a rules answer");
    expect(() => useRules(config, { ...UK, exceptions: "analytics" } as unknown as RulesAnswer, false)).toThrow(
      "not a rules answer",
    );
    // Whatever a proxy says, targeting is never under the exception.
    expect(() =>
      useRules(config, { ...UK, exceptions: ["analytics", "targeting"] } as unknown as RulesAnswer, false),
    ).toThrow("not a rules answer");
  });

  it("words the notice with the declared services, and the site's wording wins", async () => {
    const mounted = mountWidget({ rules: await rulesFor(UK) });
    const notice = mounted.shadow.querySelector('[data-occ="uk-notice"]');
    expect(notice?.textContent).toContain("(Google Analytics)");
    expect(notice?.textContent).toContain("on unless you object");
    // The general text no longer promises opt-in for everything.
    expect(mounted.shadow.querySelector('[data-occ="banner"] p')?.textContent).toContain("Except as explained below");
    resetPage();
    const reworded = mountWidget({
      rules: await rulesFor(UK, false, { object: "Say no", ukNotice: "We count {services}." }),
    });
    expect(reworded.shadow.querySelector('[data-occ="uk-notice"]')?.textContent).toBe("We count Google Analytics.");
    expect(ui(reworded).getByRole("button", { name: "Say no" })).toBeTruthy();
  });
});

describe("the controller under the UK rule", () => {
  beforeEach(resetPage);
  afterEach(() => {
    setGpc(undefined);
    Object.defineProperty(navigator, "userActivation", { value: undefined, configurable: true });
    resetPage();
  });

  it("runs analytics only once the banner has been shown, and not for a visitor who chose before", async () => {
    const mounted = mountWidget({ rules: await rulesFor(UK) });
    expect(mounted.applied).toEqual([]);
    mounted.controller.bannerShown();
    await settle();
    expect(mounted.applied).toEqual([{ analytics: true, functionality: false, targeting: false }]);
    expect(mounted.sent).toEqual([]);
  });

  it("Object: one object event, analytics off with basis objected, its cookies deleted, the page reloaded", async () => {
    const mounted = mountWidget({ rules: await rulesFor(UK) });
    mounted.controller.bannerShown();
    // biome-ignore lint/suspicious/noDocumentCookie: the analytics tag's own cookie
    document.cookie = "_ga=GA1.1.1; Path=/";
    fireEvent.click(ui(mounted).getByRole("button", { name: "Object to measurement" }));
    await settle();
    expect(last(mounted)).toMatchObject({
      method: "object",
      choices: { analytics: false, functionality: false, targeting: false },
      ruleSet: "uk",
      basis: { analytics: "objected", functionality: "consent", targeting: "consent" },
      source: "banner",
    });
    expect(document.cookie).not.toContain("_ga=");
    expect(mounted.reloads).toBe(1);
    expect(mounted.controller.view().banner).toBe(false);
  });

  it("Reject all objects to analytics (method reject_all) and Accept all keeps it on, not objected", async () => {
    const mounted = mountWidget({ rules: await rulesFor(UK) });
    mounted.controller.bannerShown();
    fireEvent.click(ui(mounted).getByRole("button", { name: "Accept all" }));
    await settle();
    expect(last(mounted)).toMatchObject({
      method: "accept_all",
      basis: { analytics: "exception-not-objected", functionality: "consent", targeting: "consent" },
    });
    expect(mounted.reloads).toBe(0);
    mounted.controller.api.rejectAll();
    await settle();
    expect(last(mounted)).toMatchObject({ method: "withdraw", basis: { analytics: "objected" } });
  });

  it("GPC is the visitor's objection: logged by itself, analytics never runs, the banner stays for the rest", async () => {
    setGpc(true);
    // Even inside a user activation (a click on the page just before), the signal is no person's press.
    Object.defineProperty(navigator, "userActivation", { value: { isActive: true }, configurable: true });
    const mounted = mountWidget({ rules: await rulesFor(UK, true) });
    mounted.controller.bannerShown();
    await settle();
    expect(mounted.sent).toHaveLength(1);
    expect(last(mounted)).toMatchObject({
      method: "object",
      gpc: true,
      source: "api",
      trusted: false,
      basis: { analytics: "objected" },
    });
    expect(mounted.applied).toEqual([{ analytics: false, functionality: false, targeting: false }]);
    expect(mounted.controller.view().banner).toBe(true);
    expect(mounted.shadow.querySelector('[data-occ="uk-notice"]')?.textContent).toContain("Global Privacy Control");
    expect(mounted.shadow.querySelector('[data-occ-action="object"]')).toBeNull();
    mounted.controller.bannerShown();
    await settle();
    expect(mounted.sent).toHaveLength(1);
  });

  it("the dialog names the rule and each category's basis", async () => {
    const mounted = mountWidget({ rules: await rulesFor(UK) });
    mounted.controller.bannerShown();
    mounted.controller.showPreferences();
    await settle();
    const dialog = ui(mounted).getByRole("dialog");
    expect(dialog.querySelector('[data-occ="rules"]')?.textContent).toMatch(
      /^We place you in the UK\. UK rules apply to you/,
    );
    expect(dialog.querySelector('[data-occ-basis="exception-not-objected"]')?.textContent).toContain(
      "On unless you object",
    );
    // Before any choice, the switch shows what runs: analytics on, by the exception.
    expect(within(dialog).getAllByRole("switch")[0]?.getAttribute("aria-checked")).toBe("true");
    expect(dialog.querySelectorAll('[data-occ-basis="consent"]')).toHaveLength(2);
  });
});

describe("the EEA rule with rules by region", () => {
  beforeEach(resetPage);
  afterEach(resetPage);

  it("shows today's banner, runs nothing before a choice, and claims eea with every basis consent", async () => {
    const mounted = mountWidget({ rules: await rulesFor(EEA) });
    mounted.controller.bannerShown();
    await settle();
    expect(mounted.applied).toEqual([]);
    expect(mounted.shadow.querySelector('[data-occ="uk-notice"]')).toBeNull();
    expect(mounted.shadow.querySelector('[data-occ-action="object"]')).toBeNull();
    fireEvent.click(ui(mounted).getByRole("button", { name: "Accept all" }));
    await settle();
    expect(last(mounted)).toMatchObject({
      ruleSet: "eea",
      basis: { analytics: "consent", functionality: "consent", targeting: "consent" },
    });
  });

  it("without rules by region, events claim nothing", async () => {
    const mounted = mountWidget();
    fireEvent.click(ui(mounted).getByRole("button", { name: "Accept all" }));
    await settle();
    expect(last(mounted)).not.toHaveProperty("ruleSet");
    expect(last(mounted)).not.toHaveProperty("basis");
  });
});

describe("asking the log (the core's half)", () => {
  afterEach(() => {
    vi.unstubAllGlobals();
    vi.useRealTimers();
    vi.restoreAllMocks();
  });

  it("asks once per page, and puts the rules in use in the config", async () => {
    const { parts, rules } = await freshCore();
    parts.definePart("rules", useRules);
    const fetch = vi.fn(async (_url: string) => new Response(JSON.stringify(UK)));
    vi.stubGlobal("fetch", fetch);
    const config = readConfig(null);
    await Promise.all([rules.loadRules(config, false), rules.loadRules(config, false)]);
    expect(fetch).toHaveBeenCalledTimes(1);
    expect(fetch.mock.calls[0]?.[0]).toMatch(/\/api\/rules$/);
    expect(config.rules?.answer).toEqual(UK);
  });

  it("an error status: one warning, opt-in for everything, no rules claimed", async () => {
    const { parts, rules } = await freshCore();
    parts.definePart("rules", useRules);
    vi.stubGlobal("fetch", async () => new Response('{"error":"internal"}', { status: 500 }));
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const config = readConfig(null);
    await rules.loadRules(config, false);
    expect(config.rules).toBeUndefined();
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn).toHaveBeenCalledWith(
      "OpenContact Consent: /api/rules not read: opt-in for every category applies (not a rules answer)",
    );
  });

  it("a site missing from ALLOWED_ORIGINS: the warning passes on what the log says to change", async () => {
    const { parts, rules } = await freshCore();
    parts.definePart("rules", useRules);
    const refusal = {
      error: {
        code: "forbidden_origin",
        message: "origin https://shop.example may not read the rules; add it to ALLOWED_ORIGINS of the consent worker",
        field: "Origin",
      },
    };
    vi.stubGlobal("fetch", async () => new Response(JSON.stringify(refusal), { status: 403 }));
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const config = readConfig(null);
    await rules.loadRules(config, false);
    expect(config.rules).toBeUndefined();
    expect(warn.mock.calls).toEqual([
      [
        "OpenContact Consent: /api/rules not read: opt-in for every category applies (origin https://shop.example may not read the rules; add it to ALLOWED_ORIGINS of the consent worker)",
      ],
    ]);
  });

  it("a rules part that never arrives holds the banner back 2 s at most, under opt-in", async () => {
    vi.useFakeTimers();
    // Its request hangs (a stalled connection): the load never settles.
    vi.resetModules();
    vi.doMock("../../widget/parts.ts", async (original) => ({
      ...(await original<typeof import("../../widget/parts.ts")>()),
      loadPart: () => new Promise(() => {}),
    }));
    const rules = await import("../../widget/rules.ts");
    vi.doUnmock("../../widget/parts.ts");
    vi.stubGlobal("fetch", async () => new Response(JSON.stringify(UK)));
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const config = readConfig(null);
    const asked = rules.loadRules(config, false);
    await vi.advanceTimersByTimeAsync(2000);
    await asked;
    expect(config.rules).toBeUndefined();
    expect(warn).toHaveBeenCalledWith(expect.stringContaining("(no answer in 2 s)"));
  });

  it("no answer in 2 s: the banner goes ahead under opt-in, and a late answer is not used", async () => {
    vi.useFakeTimers();
    const { parts, rules } = await freshCore();
    parts.definePart("rules", useRules);
    let answer: (response: Response) => void = () => {};
    vi.stubGlobal("fetch", () => new Promise<Response>((resolve) => (answer = resolve)));
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const config = readConfig(null);
    const asked = rules.loadRules(config, false);
    await vi.advanceTimersByTimeAsync(2000);
    await asked;
    expect(warn).toHaveBeenCalledWith(expect.stringContaining("(no answer in 2 s)"));
    answer(new Response(JSON.stringify(UK)));
    await vi.advanceTimersByTimeAsync(10);
    expect(config.rules).toBeUndefined();
  });
});
