/**
 * The statement the product serves must be the company's own words: the
 * Markdown source carries every word of the company's original text (kept
 * byte for byte in test/fixtures/privacy-statement.txt, so this runs in every
 * clone), in order, and nothing else but Markdown syntax and the mailto link
 * target.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { marked } from "marked";
import { describe, expect, it } from "vitest";

const ROOT = join(import.meta.dirname, "..", "..");
const ORIGINAL = join(ROOT, "test", "fixtures", "privacy-statement.txt");
const SOURCE = join(ROOT, "content", "privacy-statement.md");

/** The words of a text, bullets and whitespace aside. */
function words(text: string): string[] {
  return text
    .replace(/•/g, " ")
    .split(/\s+/)
    .filter((word) => word.length > 0);
}

function renderedText(markdown: string): string {
  const html = marked.parse(markdown, { async: false, gfm: true });
  return html
    .replace(/<\/?(a|em|strong|code)\b[^>]*>/g, "")
    .replace(/<[^>]+>/g, " ")
    .replace(/&amp;/g, "&")
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'");
}

describe("content/privacy-statement.md", () => {
  it("renders to exactly the words of the company's statement", () => {
    const original = readFileSync(ORIGINAL, "utf8");
    const markdown = readFileSync(SOURCE, "utf8");
    expect(words(renderedText(markdown))).toEqual(words(original));
  });

  it("keeps the statement's headings and lists", () => {
    const html = marked.parse(readFileSync(SOURCE, "utf8"), { async: false });
    expect(html.match(/<h2>/g)).toHaveLength(13);
    expect(html.match(/<h3>/g)).toHaveLength(7);
    expect(html.match(/<ul>/g)).toHaveLength(4);
    expect(html).toContain('<a href="mailto:info@opencontact.co.uk">info@opencontact.co.uk</a>');
  });
});
