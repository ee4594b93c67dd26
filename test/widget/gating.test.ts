import { afterEach, beforeEach, describe, expect, it, type MockInstance, vi } from "vitest";
import { categoryAllows, createGate, type Gate } from "../../widget/gating.ts";
import { definePart } from "../../widget/parts.ts";
import { diagnosed, registerDiagnostics } from "./helpers.ts";

const NONE = { analytics: false, functionality: false, targeting: false };
const ALL = { analytics: true, functionality: true, targeting: true };

describe("gating", () => {
  let gate: Gate;
  beforeEach(() => {
    document.body.innerHTML = `
      <script type="text/plain" data-category="analytics" data-src="/a.js" nonce="n0nce" defer data-extra="kept"></script>
      <script type="text/plain" data-category="analytics">window.inlineRan = true;</script>
      <script type="text/plain" data-category="analytics" data-type="module" data-src="/m.js" async></script>
      <script type="text/plain" data-category="targeting" src="/t.js" async></script>
      <script type="text/plain" data-category="!targeting" src="/not-t.js" async></script>
      <iframe data-category="functionality" data-src="/map.html" title="Map"></iframe>`;
    gate = createGate();
  });
  afterEach(() => {
    gate.stop();
    document.body.replaceChildren();
  });

  const gated = () => document.querySelectorAll('script[type="text/plain"]').length;

  it("reads vanilla-cookieconsent categories, including !category and necessary", () => {
    expect(categoryAllows("analytics", { ...NONE, analytics: true })).toBe(true);
    expect(categoryAllows("analytics", NONE)).toBe(false);
    expect(categoryAllows("!targeting", NONE)).toBe(true);
    expect(categoryAllows("!targeting", { ...NONE, targeting: true })).toBe(false);
    // Before any choice only strictly necessary tags run; !targeting waits for a choice.
    expect(categoryAllows("necessary", null)).toBe(true);
    expect(categoryAllows("!targeting", null)).toBe(false);
    expect(categoryAllows("analytics", null)).toBe(false);
    expect(categoryAllows("!necessary", { ...NONE, targeting: true })).toBe(false);
    // Names no category: undefined, so the gate can say so.
    expect(categoryAllows(undefined, NONE)).toBeUndefined();
    expect(categoryAllows("marketing", ALL)).toBeUndefined();
  });

  it("maps the site's own category names through categoryAliases, with ! and any case", () => {
    const aliases = { marketing: "targeting", performance: "analytics", essential: "necessary" } as const;
    expect(categoryAllows("marketing", { ...NONE, targeting: true }, aliases)).toBe(true);
    expect(categoryAllows("marketing", { ...NONE, analytics: true }, aliases)).toBe(false);
    expect(categoryAllows(" Marketing ", { ...NONE, targeting: true }, aliases)).toBe(true);
    expect(categoryAllows("!marketing", NONE, aliases)).toBe(true);
    expect(categoryAllows("!marketing", { ...NONE, targeting: true }, aliases)).toBe(false);
    expect(categoryAllows("performance", { ...NONE, analytics: true }, aliases)).toBe(true);
    expect(categoryAllows("essential", null, aliases)).toBe(true);
    // Our own names win over an alias; an alias to no category, or an Object.prototype key, names nothing.
    expect(categoryAllows("analytics", { ...NONE, analytics: true }, { analytics: "targeting" })).toBe(true);
    expect(categoryAllows("ads", ALL, { ads: "marketing" as "targeting" })).toBeUndefined();
    expect(categoryAllows("constructor", ALL, aliases)).toBeUndefined();
    expect(categoryAllows("social", ALL, aliases)).toBeUndefined();
  });

  it("leaves every tag inert until a choice is applied", () => {
    expect(gated()).toBe(5);
    expect(document.querySelector("iframe")?.getAttribute("src")).toBeNull();
  });

  it("turns allowed tags into live scripts with their attributes kept, in document order", async () => {
    await gate.apply({ ...NONE, analytics: true });
    const scripts = Array.from(document.querySelectorAll("script"));
    const [external, inline, module] = scripts;
    expect(external?.getAttribute("type")).toBeNull();
    expect(external?.getAttribute("src")).toBe("/a.js");
    expect(external?.hasAttribute("defer")).toBe(true);
    expect(external?.getAttribute("data-extra")).toBe("kept");
    expect(external?.nonce || external?.getAttribute("nonce")).toBe("n0nce");
    expect(inline?.getAttribute("type")).toBeNull();
    expect(inline?.text).toBe("window.inlineRan = true;");
    expect(module?.getAttribute("type")).toBe("module");
    expect(module?.getAttribute("src")).toBe("/m.js");
    expect(module?.hasAttribute("data-src")).toBe(false);
    // Targeting stays off; !targeting now runs; the functionality iframe stays empty.
    expect(scripts[3]?.getAttribute("type")).toBe("text/plain");
    expect(scripts[4]?.getAttribute("type")).toBeNull();
    expect(document.querySelector("iframe")?.getAttribute("src")).toBeNull();
  });

  it("loads a gated iframe once its category is allowed", async () => {
    await gate.apply({ ...NONE, functionality: true });
    expect(document.querySelector("iframe")?.getAttribute("src")).toBe("/map.html");
  });

  it("runs each tag only once, however often choices are applied", async () => {
    await gate.apply({ ...NONE, analytics: true });
    const first = document.querySelector('script[src="/a.js"]');
    await gate.apply({ ...NONE, analytics: true, targeting: true });
    expect(document.querySelector('script[src="/a.js"]')).toBe(first);
    expect(document.querySelectorAll('script[src="/a.js"]')).toHaveLength(1);
    expect(gated()).toBe(0);
  });

  it("gates tags added to the page later", async () => {
    await gate.apply({ ...NONE, targeting: true });
    const late = document.createElement("script");
    late.type = "text/plain";
    late.dataset.category = "targeting";
    late.dataset.src = "/late.js";
    document.body.append(late);
    const blocked = document.createElement("script");
    blocked.type = "text/plain";
    blocked.dataset.category = "analytics";
    blocked.dataset.src = "/blocked.js";
    document.body.append(blocked);
    await expect.poll(() => document.querySelector('script[src="/late.js"]')?.getAttribute("type")).toBeNull();
    expect(document.querySelector('script[src="/late.js"]')?.getAttribute("type")).toBeNull();
    expect(document.querySelector('script[data-src="/blocked.js"]')?.getAttribute("type")).toBe("text/plain");
  });
});

describe("gating a migrated vanilla-cookieconsent page", () => {
  let gate: Gate;
  let warn: MockInstance<typeof console.warn>;
  /** The console warnings so far, once the diagnostics part has worded every problem noticed. */
  const warnings = async () => {
    await diagnosed();
    return warn.mock.calls.map(([text]) => String(text));
  };
  beforeEach(() => {
    warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    registerDiagnostics();
  });
  afterEach(() => {
    gate.stop();
    warn.mockRestore();
    document.body.replaceChildren();
  });

  it("runs necessary tags at once and aliased ones once their category is granted", async () => {
    document.body.innerHTML = `
      <script type="text/plain" data-category="necessary">window.necessaryRan = true;</script>
      <script type="text/plain" data-category="marketing" data-src="/ads.js"></script>
      <script type="text/plain" data-category="!marketing" data-src="/contextual.js"></script>`;
    gate = createGate({ categoryAliases: { marketing: "targeting" } });
    await gate.apply({ ...NONE, analytics: true });
    expect(document.querySelectorAll('script[type="text/plain"]')).toHaveLength(1);
    expect(document.querySelector('script[data-category="necessary"]')?.getAttribute("type")).toBeNull();
    expect(document.querySelector('script[src="/contextual.js"]')).not.toBeNull();
    expect(document.querySelector('script[data-src="/ads.js"]')?.getAttribute("type")).toBe("text/plain");
    await gate.apply({ ...NONE, targeting: true });
    expect(document.querySelector('script[src="/ads.js"]')?.getAttribute("type")).toBeNull();
    expect(await warnings()).toEqual([]);
  });

  it("warns once per misconfigured tag, naming it, before any choice and for tags added later", async () => {
    document.body.innerHTML = `
      <script type="text/plain" data-category="social" data-src="/share.js"></script>
      <script data-category="analytics" src="/ran.js"></script>
      <iframe data-category="functionality" src="/map.html"></iframe>
      <div data-category="shoes"></div>`;
    gate = createGate({ categoryAliases: { marketing: "targeting" } });
    await gate.apply(ALL);
    await gate.apply(NONE);
    expect(await warnings()).toEqual([
      'OpenContact Consent: <script type="text/plain" data-category="social" data-src="/share.js"></script> has an unknown data-category (known: analytics,functionality,targeting,necessary,marketing): add it to categoryAliases',
      'OpenContact Consent: <script data-category="analytics" src="/ran.js"></script> ran before consent: add type="text/plain"',
      'OpenContact Consent: <iframe data-category="functionality" src="/map.html"></iframe> loaded before consent: use data-src',
    ]);
    expect(document.querySelector('script[data-src="/share.js"]')?.getAttribute("type")).toBe("text/plain");
    const late = document.createElement("script");
    late.type = "text/plain";
    late.dataset.category = "ads";
    document.body.append(late);
    await vi.waitFor(async () => expect(await warnings()).toHaveLength(4));
    expect((await warnings())[3]).toContain('<script type="text/plain" data-category="ads">');
  });

  it("with the widget's nonce, runs only gated scripts that carry it; iframes are not scripts", async () => {
    document.body.innerHTML = `
      <script type="text/plain" data-category="analytics" nonce="n0nce" data-src="/nonced.js"></script>
      <script type="text/plain" data-category="analytics" data-src="/injected.js"></script>
      <iframe data-category="analytics" data-src="/frame.html"></iframe>`;
    // happy-dom does not reflect the attribute into the property that browsers compare.
    const nonced = document.querySelector<HTMLScriptElement>("script[nonce]");
    if (nonced) nonced.nonce = "n0nce";
    gate = createGate({ nonce: "n0nce" });
    await gate.apply(ALL);
    expect(document.querySelector('script[src="/nonced.js"]')?.getAttribute("type")).toBeNull();
    expect(document.querySelector('script[data-src="/injected.js"]')?.getAttribute("type")).toBe("text/plain");
    expect(document.querySelector("iframe")?.getAttribute("src")).toBe("/frame.html");
    expect(await warnings()).toEqual([
      'OpenContact Consent: <script type="text/plain" data-category="analytics" data-src="/injected.js"></script> skipped: add the consent.js tag\'s nonce',
    ]);
  });
});

describe("gating an iframe whose category is off", () => {
  let gate: Gate;
  const cover = vi.fn();
  beforeEach(() => {
    cover.mockClear();
    // happy-dom runs no fetched script: the part is registered as its script would register it.
    definePart("placeholder", cover);
    document.body.innerHTML = `
      <iframe data-category="functionality" data-src="/map.html" title="Map"></iframe>
      <script type="text/plain" data-category="analytics" data-src="/a.js"></script>`;
  });
  afterEach(() => {
    gate.stop();
    document.body.replaceChildren();
  });
  const frame = () => document.querySelector("iframe") as HTMLIFrameElement;

  it("hands it to the placeholder part once, whatever is applied meanwhile, and loads it when allowed", async () => {
    const options = { categoryAliases: {} };
    gate = createGate(options);
    await gate.apply(NONE);
    await gate.apply({ ...NONE, analytics: true });
    await vi.waitFor(() => expect(cover).toHaveBeenCalledTimes(1));
    expect(cover).toHaveBeenCalledWith(frame(), options);
    await gate.apply({ ...NONE, functionality: true });
    expect(frame().getAttribute("src")).toBe("/map.html");
    expect(cover).toHaveBeenCalledTimes(1);
  });

  it("draws nothing for a frame allowed from the start, and waits for the language pack's texts", async () => {
    let textsLoaded = () => {};
    gate = createGate({ textsLoaded: new Promise<void>((resolve) => (textsLoaded = resolve)) });
    await gate.apply(NONE);
    // Longer than the part takes to arrive (it is already registered): the texts are what it waits for.
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(cover).not.toHaveBeenCalled();
    textsLoaded();
    await vi.waitFor(() => expect(cover).toHaveBeenCalledTimes(1));

    gate.stop();
    document.body.innerHTML = `<iframe data-category="functionality" data-src="/map.html"></iframe>`;
    gate = createGate();
    await gate.apply(ALL);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(cover).toHaveBeenCalledTimes(1);
  });
});
