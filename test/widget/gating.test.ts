import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { categoryAllows, createGate, type Gate } from "../../widget/gating.ts";

const NONE = { analytics: false, functionality: false, targeting: false };

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

  it("reads vanilla-cookieconsent categories, including !category", () => {
    expect(categoryAllows("analytics", { ...NONE, analytics: true })).toBe(true);
    expect(categoryAllows("analytics", NONE)).toBe(false);
    expect(categoryAllows("!targeting", NONE)).toBe(true);
    expect(categoryAllows("!targeting", { ...NONE, targeting: true })).toBe(false);
    expect(categoryAllows("necessary", NONE)).toBe(false);
    expect(categoryAllows(undefined, NONE)).toBe(false);
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
