import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { resetPage } from "./helpers.ts";

let appended: HTMLScriptElement[] = [];

/**
 * A fresh loader, as a page gets one, with the build's list of parts. happy-dom would report
 * every script loaded at once: the scripts are kept out of the page and each test plays the
 * browser's part (the part's own call as it runs, then `load`; or `error`).
 */
async function freshLoader() {
  vi.resetModules();
  // The build bakes in each part's SRI hash; the file is named from its first ten letters and
  // digits (widget/part-file.ts).
  vi.stubGlobal("__OCC_PARTS__", { dialog: "sha256-01234+/56789abcdef=" });
  appended = [];
  vi.spyOn(document.head, "append").mockImplementation((...nodes) => {
    appended.push(...(nodes as HTMLScriptElement[]));
  });
  return import("../../widget/parts.ts");
}

/** The scripts the loader added, in order. */
const partScripts = () => appended;

describe("part loader", () => {
  beforeEach(resetPage);
  afterEach(() => {
    vi.unstubAllGlobals();
    vi.restoreAllMocks();
    resetPage();
  });

  it("loads a part beside the core, with its SRI hash and the core's nonce, once for concurrent calls", async () => {
    const parts = await freshLoader();
    parts.configureParts("https://consent.example/v/1.2.3/consent.js", "n0nce");
    const first = parts.loadPart<{ ok: boolean }>("dialog");
    const second = parts.loadPart<{ ok: boolean }>("dialog");
    const [script, ...others] = partScripts();
    expect(others).toEqual([]);
    expect(script?.src).toBe("https://consent.example/v/1.2.3/parts/dialog.0123456789.js");
    expect(script?.integrity).toBe("sha256-01234+/56789abcdef=");
    expect(script?.crossOrigin).toBe("anonymous");
    expect(script?.nonce).toBe("n0nce");
    // What the part's script does as it runs, then the browser's load event.
    window.__occPart?.("dialog", { ok: true });
    script?.dispatchEvent(new Event("load"));
    expect(await first).toEqual({ ok: true });
    expect(await second).toEqual({ ok: true });
    expect(parts.partNow("dialog")).toEqual({ ok: true });
  });

  it("rejects a failed load with one console warning, and the next call loads afresh", async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const parts = await freshLoader();
    parts.configureParts("https://consent.example/consent.js", undefined);
    const failed = parts.loadPart("dialog");
    partScripts()[0]?.dispatchEvent(new Event("error"));
    await expect(failed).rejects.toThrow("dialog");
    // A script that loads but never registers (say, a stale file) fails the same way.
    const stale = parts.loadPart("dialog");
    expect(partScripts()).toHaveLength(2);
    partScripts()[1]?.dispatchEvent(new Event("load"));
    await expect(stale).rejects.toThrow("dialog");
    expect(warn.mock.calls).toEqual([
      ["OpenContact Consent: parts/dialog.0123456789.js not loaded: it retries; serve parts/ beside consent.js"],
    ]);
    const retried = parts.loadPart("dialog");
    const script = partScripts()[2];
    expect(script?.src).toBe("https://consent.example/parts/dialog.0123456789.js");
    window.__occPart?.("dialog", "here");
    script?.dispatchEvent(new Event("load"));
    expect(await retried).toBe("here");
  });

  it("prefetching never rejects, and a part already here needs no script", async () => {
    vi.spyOn(console, "warn").mockImplementation(() => {});
    const parts = await freshLoader();
    parts.prefetchPart("dialog");
    partScripts()[0]?.dispatchEvent(new Event("error"));
    parts.definePart("lang-fr", 1);
    expect(await parts.loadPart("lang-fr")).toBe(1);
    expect(partScripts()).toHaveLength(1);
  });
});
