/**
 * The proof of consent in Chromium against the real worker (`wrangler dev`
 * with its own local D1): a visitor's three choices are posted as the widget
 * posts them, staff open the proof from the record, axe finds nothing, and
 * the browser prints it to one PDF: a page for the summary and one for each
 * event (each starts a new page), numbered, with the consent id on page 1.
 * The PDF's text is read here with a small reader of Chromium's own output
 * (no PDF tools are installed): Flate streams, ToUnicode maps, Tj/TJ runs.
 */
import { createHash } from "node:crypto";
import { inflateSync } from "node:zlib";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REVISION, WIDGET_VERSION } from "../../shared/generated/build-info.ts";
import { axe } from "./axe.ts";
import { CHROMIUM, launchBrowser } from "./browser.ts";
import { startWorker, type WorkerServer } from "./worker-server.ts";

const TOKEN_NAME = "e2e";
const TOKEN = "e2e-staff-token-that-is-long-enough";
const SESSION_SECRET = "e2e-session-secret-that-is-long-enough-0123";
/** The public local keys of .dev.vars.example. */
const RECEIPT_SIGNING_KEYS =
  '[{"kid":"local-dev-1","kty":"OKP","crv":"Ed25519","x":"o937vt_gVDoHuHlIGJ4QTQKuPGXRhK-GEgI9nJX68mw","d":"XkRSSyVwJIW7ZzmbTpT_6-KSBbn-f_S-uDPiN9bMnpE"}]';
const CHECKPOINT_KEY = "b3BlbmNvbnRhY3QtbG9jYWwtY2hlY2twb2ludC1rZXk=";

/** The @page top-left margin box of site/assets/staff.css. */
const RUNNING_HEAD = "Proof of consent – OpenContact Services Limited";

/** The objects of a PDF as latin1 text, each stream inflated where it is Flate-encoded. */
function pdfObjects(pdf: Buffer): Map<number, { dict: string; stream: string | null }> {
  const objects = new Map<number, { dict: string; stream: string | null }>();
  const text = pdf.toString("latin1");
  for (const match of text.matchAll(/(\d+) 0 obj\s*([\s\S]*?)endobj/g)) {
    const body = match[2] ?? "";
    const streamAt = body.indexOf("stream");
    if (streamAt < 0) {
      objects.set(Number(match[1]), { dict: body, stream: null });
      continue;
    }
    const dict = body.slice(0, streamAt);
    const start = (match.index ?? 0) + match[0].indexOf("stream") + "stream".length;
    const dataStart = start + (text[start] === "\r" ? 2 : 1);
    const length = Number(/\/Length (\d+)/.exec(dict)?.[1]);
    const raw = pdf.subarray(dataStart, dataStart + length);
    const stream = /\/FlateDecode/.test(dict) ? inflateSync(raw).toString("latin1") : raw.toString("latin1");
    objects.set(Number(match[1]), { dict, stream });
  }
  return objects;
}

/** Glyph code → text, from a font's ToUnicode CMap (bfchar and bfrange). */
function toUnicodeMap(cmap: string): Map<string, string> {
  const map = new Map<string, string>();
  const utf16 = (hex: string) =>
    String.fromCharCode(...(hex.match(/.{4}/g) ?? []).map((unit) => Number.parseInt(unit, 16)));
  for (const block of cmap.matchAll(/beginbfchar([\s\S]*?)endbfchar/g)) {
    for (const [, code, text] of (block[1] ?? "").matchAll(/<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>/g)) {
      map.set((code ?? "").toLowerCase(), utf16(text ?? ""));
    }
  }
  for (const block of cmap.matchAll(/beginbfrange([\s\S]*?)endbfrange/g)) {
    for (const [, from, to, target] of (block[1] ?? "").matchAll(
      /<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>\s*(<[0-9a-fA-F]+>|\[[^\]]*\])/g,
    )) {
      const first = Number.parseInt(from ?? "0", 16);
      const targets = (target ?? "").startsWith("[") ? (target ?? "").match(/[0-9a-fA-F]+/g) : null;
      for (let code = first; code <= Number.parseInt(to ?? "0", 16); code++) {
        const key = code.toString(16).padStart((from ?? "").length, "0");
        const base = Number.parseInt((target ?? "").slice(1, -1), 16);
        map.set(key, targets ? utf16(targets[code - first] ?? "") : String.fromCharCode(base + code - first));
      }
    }
  }
  return map;
}

/** The pages of a PDF in order, each as the text its content streams draw. */
function pdfPageTexts(pdf: Buffer): string[] {
  const objects = pdfObjects(pdf);
  const ref = (text: string, name: string) => Number(new RegExp(`/${name} (\\d+) 0 R`).exec(text)?.[1]);
  const catalog = [...objects.values()].find(({ dict }) => /\/Type\s*\/Catalog/.test(dict));
  const pages: number[] = [];
  const walk = (id: number) => {
    const dict = objects.get(id)?.dict ?? "";
    if (/\/Type\s*\/Pages/.test(dict)) {
      for (const [, kid] of (/\/Kids\s*\[([^\]]*)\]/.exec(dict)?.[1] ?? "").matchAll(/(\d+) 0 R/g)) walk(Number(kid));
    } else pages.push(id);
  };
  walk(ref(catalog?.dict ?? "", "Pages"));
  return pages.map((id) => {
    const page = objects.get(id)?.dict ?? "";
    const resources = /\/Resources (\d+) 0 R/.exec(page) ? (objects.get(ref(page, "Resources"))?.dict ?? "") : page;
    const fontDict = /\/Font (\d+) 0 R/.exec(resources)
      ? (objects.get(ref(resources, "Font"))?.dict ?? "")
      : (/\/Font\s*<<([\s\S]*?)>>/.exec(resources)?.[1] ?? "");
    const fonts = new Map<string, Map<string, string>>();
    for (const [, name, fontId] of fontDict.matchAll(/\/(\w+) (\d+) 0 R/g)) {
      const cmap = objects.get(ref(objects.get(Number(fontId))?.dict ?? "", "ToUnicode"))?.stream ?? "";
      fonts.set(name ?? "", toUnicodeMap(cmap));
    }
    const contentIds = /\/Contents\s*\[([^\]]*)\]/.exec(page)?.[1] ?? `${ref(page, "Contents")} 0 R`;
    let text = "";
    for (const [, contentId] of contentIds.matchAll(/(\d+) 0 R/g)) {
      const content = objects.get(Number(contentId))?.stream ?? "";
      let font = new Map<string, string>();
      for (const [, fontName, run] of content.matchAll(/\/(\w+) [\d.]+ Tf|(\[[^\]]*\]\s*TJ|<[0-9a-fA-F]*>\s*Tj)/g)) {
        if (fontName) font = fonts.get(fontName) ?? font;
        else {
          const width = [...font.keys()][0]?.length ?? 4;
          for (const [, hex] of (run ?? "").matchAll(/<([0-9a-fA-F]*)>/g)) {
            for (const code of (hex ?? "").toLowerCase().match(new RegExp(`.{${width}}`, "g")) ?? []) {
              text += font.get(code) ?? "";
            }
          }
        }
      }
      text += "\n";
    }
    return text;
  });
}

describe.skipIf(!CHROMIUM)("the proof of consent in Chromium", () => {
  let browser: Browser;
  let server: WorkerServer;

  beforeAll(async () => {
    const digest = createHash("sha256").update(TOKEN).digest("hex");
    server = await startWorker({
      vars: {
        STAFF_TOKENS: JSON.stringify({ [TOKEN_NAME]: digest }),
        SESSION_SECRET,
        RECEIPT_SIGNING_KEYS,
        CHECKPOINT_KEY,
      },
    });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it("renders the proof from the record, passes axe and prints one numbered PDF with the consent id on page 1", async () => {
    // A visitor accepts, narrows to analytics, then withdraws: the widget's three posts.
    const consentId = crypto.randomUUID();
    const choices = [
      ["accept_all", { analytics: true, functionality: true, targeting: true }],
      ["custom", { analytics: true, functionality: false, targeting: false }],
      ["withdraw", { analytics: false, functionality: false, targeting: false }],
    ] as const;
    for (const [method, chosen] of choices) {
      const response = await fetch(`${server.url}/api/consent`, {
        method: "POST",
        headers: { "Content-Type": "application/json", Origin: server.url },
        body: JSON.stringify({
          eventId: crypto.randomUUID(),
          consentId,
          method,
          choices: chosen,
          revision: REVISION,
          pageUrl: `${server.url}/pricing`,
          language: "en-GB",
          gpc: false,
          widgetVersion: WIDGET_VERSION,
        }),
      });
      expect(response.status).toBe(201);
    }

    const page = await browser.newPage();
    await page.goto(`${server.url}/staff/consents/${consentId}`);
    await page.getByLabel("Token name").fill(TOKEN_NAME);
    await page.getByLabel("Token", { exact: true }).fill(TOKEN);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("link", { name: "Proof of consent (printable)" }).click();
    await page.waitForURL(`${server.url}/staff/consents/${consentId}/proof`);
    await expect(page.getByRole("heading", { level: 1 }).textContent()).resolves.toBe(`Proof of consent ${consentId}`);
    await expect(page.getByRole("heading", { level: 2, name: /^Event \d of 3/ }).count()).resolves.toBe(3);
    await expect(page.getByText("Signature valid").count()).resolves.toBe(3);
    expect(await axe(page)).toEqual([]);

    // Printed: no navigation, the receipts' JWS shown although their <details> are closed.
    await page.emulateMedia({ media: "print" });
    await expect(page.locator(".staff-bar").isVisible()).resolves.toBe(false);
    await expect(page.locator(".jws").first().isVisible()).resolves.toBe(true);

    const pdf = await page.pdf({ format: "A4" });
    expect(pdf.subarray(0, 5).toString("latin1")).toBe("%PDF-");
    const pages = pdfPageTexts(pdf);
    // The summary, then each event from a new page: at least 4 pages, each event heading on a page of its own.
    expect(pages.length).toBeGreaterThanOrEqual(4);
    expect(pages[0]?.replace(/\s+/g, "")).toContain(consentId);
    expect(pages[0]).toContain("Summary");
    expect(pages.filter((text) => /Event \d of 3/.test(text)).map((text) => /Event (\d) of 3/.exec(text)?.[1])).toEqual(
      ["1", "2", "3"],
    );
    // The running head and "Page n of N" in the top and bottom margins of every page.
    expect(pages.map((text, index) => text.startsWith(`${RUNNING_HEAD}Page ${index + 1} of ${pages.length}`))).toEqual(
      pages.map(() => true),
    );
    await page.close();
  });
});
