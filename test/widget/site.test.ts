/**
 * The demo site's static files: its strict CSP must allow exactly the inline
 * gated snippets it contains (by hash), and the widget must get its headers.
 */
import { describe, expect, it } from "vitest";
import headers from "../../site/_headers?raw";
import html from "../../site/index.html?raw";

async function sha256Base64(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return btoa(String.fromCharCode(...new Uint8Array(digest)));
}

/** The rules of one path in a `_headers` file. */
function rulesFor(path: string): string {
  const block = headers.split(/\n(?=\S)/).find((section: string) => section.split("\n")[0]?.trim() === path);
  if (!block) throw new Error(`no _headers rule for ${path}`);
  return block;
}

describe("demo site", () => {
  it("allows each inline gated snippet by its hash, and nothing else inline", async () => {
    const csp = /Content-Security-Policy: (.+)/.exec(rulesFor("/"))?.[1] ?? "";
    expect(csp).toContain("default-src 'none'");
    expect(csp).not.toContain("unsafe-inline");
    expect(csp).not.toContain("unsafe-eval");
    const inline = [...html.matchAll(/<script type="text\/plain"[^>]*?(?<!src="[^"]*")>([^<]+)<\/script>/g)].map(
      (match) => match[1] as string,
    );
    expect(inline.length).toBeGreaterThan(0);
    for (const body of inline) {
      expect(csp).toContain(`'sha256-${await sha256Base64(body)}'`);
    }
  });

  it("has gated examples for every category, a !targeting script, a gated iframe and a Cookie settings link", () => {
    for (const category of ["analytics", "functionality", "targeting", "!targeting"]) {
      expect(html).toContain(`data-category="${category}"`);
    }
    expect(html).toMatch(/<iframe[^>]+data-category="functionality"[^>]+data-src=/);
    expect(html).toMatch(/<a [^>]*data-consent-open[^>]*>Cookie settings<\/a>/);
  });

  it("serves consent.js with a short cache and the versioned copy as immutable, both loadable with SRI", () => {
    expect(rulesFor("/consent.js")).toMatch(/Cache-Control: public, max-age=300\b/);
    expect(rulesFor("/v/*")).toContain("Cache-Control: public, max-age=31536000, immutable");
    for (const path of ["/consent.js", "/v/*"]) expect(rulesFor(path)).toContain("Access-Control-Allow-Origin: *");
  });
});
