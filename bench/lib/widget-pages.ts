/**
 * The pages `bench:widget` loads: one small company page, identical for every
 * contender, with no widget, with ours, with vanilla-cookieconsent 3.1.0, or
 * with Klaro 0.7.22. Each peer gets the configuration a site would write for
 * the same three optional categories, with the same words (ours has them
 * built in: `shared/messages.ts`, `shared/categories.ts`). Every widget
 * script is loaded with `defer`, as each project's documentation shows.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { CATEGORIES } from "../../shared/categories.ts";
import { DEFAULT_MESSAGES as M } from "../../shared/messages.ts";
import { REPO_ROOT } from "./worker-config.ts";

export const CONTENDERS = ["none", "ours", "vanilla-cookieconsent", "klaro"] as const;
export type Contender = (typeof CONTENDERS)[number];

export const LABELS: Record<Contender, string> = {
  none: "No widget",
  ours: "OpenContact Consent",
  "vanilla-cookieconsent": "vanilla-cookieconsent 3.1.0",
  klaro: "Klaro 0.7.22",
};

/** A file the bench server serves. */
export interface Asset {
  type: string;
  body: Buffer;
}

const BENCH_MODULES = join(REPO_ROOT, "bench", "node_modules");
const JS = "text/javascript; charset=utf-8";
const CSS = "text/css; charset=utf-8";

const category = (id: string) => {
  const found = CATEGORIES.find((entry) => entry.id === id);
  if (!found) throw new Error(`no category ${id}`);
  return found;
};

const vanillaConfig = `CookieConsent.run(${JSON.stringify({
  // It hides itself from automated browsers (navigator.webdriver), which the bench is.
  hideFromBots: false,
  categories: {
    necessary: { enabled: true, readOnly: true },
    analytics: {},
    functionality: {},
    targeting: {},
  },
  language: {
    default: "en",
    translations: {
      en: {
        consentModal: {
          title: M.bannerTitle,
          description: M.bannerText,
          acceptAllBtn: M.acceptAll,
          acceptNecessaryBtn: M.rejectAll,
          showPreferencesBtn: M.manage,
          footer: `<a href="/privacy">${M.privacyLink}</a>`,
        },
        preferencesModal: {
          title: M.dialogTitle,
          acceptAllBtn: M.acceptAll,
          acceptNecessaryBtn: M.rejectAll,
          savePreferencesBtn: M.save,
          closeIconLabel: M.close,
          sections: [
            { description: M.dialogText },
            { title: M.necessaryName, description: M.necessaryDescription, linkedCategory: "necessary" },
            ...CATEGORIES.map((entry) => ({
              title: entry.name,
              description: entry.description,
              linkedCategory: entry.id,
            })),
          ],
        },
      },
    },
  },
})});\n`;

const klaroConfig = `window.klaroConfig = ${JSON.stringify({
  version: 1,
  elementID: "klaro",
  storageMethod: "cookie",
  cookieName: "klaro",
  privacyPolicy: "/privacy",
  default: false,
  mustConsent: false,
  acceptAll: true,
  hideDeclineAll: false,
  lang: "en",
  translations: {
    en: {
      consentNotice: { description: M.bannerText, learnMore: M.manage },
      consentModal: { title: M.dialogTitle, description: M.dialogText },
      ok: M.acceptAll,
      decline: M.rejectAll,
      acceptAll: M.acceptAll,
      acceptSelected: M.save,
      purposes: Object.fromEntries(CATEGORIES.map((entry) => [entry.id, entry.name])),
    },
  },
  services: ["analytics", "functionality", "targeting"].map((id) => ({
    name: id,
    title: category(id).name,
    description: category(id).description,
    purposes: [id],
  })),
})};\n`;

function page(title: string, head: string): string {
  return `<!doctype html>
<html lang="en-GB">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<link rel="stylesheet" href="/site.css">
${head}
</head>
<body>
<header><a href="/">OpenContact</a> <nav><a href="#services">Services</a> <a href="/privacy">Privacy</a></nav></header>
<main>
<h1>Contact centres that listen</h1>
<p>OpenContact Services Limited runs friendly, UK-based customer support for small businesses: phone, email and chat, seven days a week.</p>
<h2 id="services">Services</h2>
<ul><li>Phone support</li><li>Email support</li><li>Live chat</li></ul>
<p>${"Our agents answer in your company's name, follow your scripts and hand over anything they cannot solve. ".repeat(6)}</p>
</main>
<footer><p>© OpenContact Services Limited</p></footer>
</body>
</html>
`;
}

const SITE_CSS = `body{font:16px/1.5 system-ui,sans-serif;margin:0 auto;max-width:48rem;padding:1rem}header{display:flex;gap:1rem;justify-content:space-between}`;

/** Every file the bench server serves, by path. */
export function benchAssets(): Map<string, Asset> {
  const file = (path: string) => readFileSync(path);
  const assets = new Map<string, Asset>([
    ["/site.css", { type: CSS, body: Buffer.from(SITE_CSS) }],
    ["/none.html", { type: "text/html; charset=utf-8", body: Buffer.from(page("No widget", "")) }],
    [
      "/ours.html",
      {
        type: "text/html; charset=utf-8",
        body: Buffer.from(page("Ours", '<script src="/ours/consent.js" defer></script>')),
      },
    ],
    ["/ours/consent.js", { type: JS, body: file(join(REPO_ROOT, "dist", "public", "consent.js")) }],
    [
      "/vanilla-cookieconsent.html",
      {
        type: "text/html; charset=utf-8",
        body: Buffer.from(
          page(
            "vanilla-cookieconsent",
            `<link rel="stylesheet" href="/vcc/cookieconsent.css">
<script src="/vcc/cookieconsent.umd.js" defer></script>
<script src="/vcc/config.js" defer></script>`,
          ),
        ),
      },
    ],
    [
      "/vcc/cookieconsent.css",
      { type: CSS, body: file(join(BENCH_MODULES, "vanilla-cookieconsent", "dist", "cookieconsent.css")) },
    ],
    [
      "/vcc/cookieconsent.umd.js",
      { type: JS, body: file(join(BENCH_MODULES, "vanilla-cookieconsent", "dist", "cookieconsent.umd.js")) },
    ],
    ["/vcc/config.js", { type: JS, body: Buffer.from(vanillaConfig) }],
    [
      "/klaro.html",
      {
        type: "text/html; charset=utf-8",
        body: Buffer.from(
          page(
            "Klaro",
            '<script src="/klaro/config.js" defer></script>\n<script src="/klaro/klaro.js" defer></script>',
          ),
        ),
      },
    ],
    // klaro.js is Klaro's standard bundle: JS with its CSS and translations built in.
    ["/klaro/klaro.js", { type: JS, body: file(join(BENCH_MODULES, "klaro", "dist", "klaro.js")) }],
    ["/klaro/config.js", { type: JS, body: Buffer.from(klaroConfig) }],
  ]);
  return assets;
}

/** The files each widget makes a site load (library JS + CSS) and the site's own configuration. */
export const WIDGET_FILES: Record<Exclude<Contender, "none">, { library: string[]; config: string[] }> = {
  ours: { library: ["/ours/consent.js"], config: [] },
  "vanilla-cookieconsent": {
    library: ["/vcc/cookieconsent.umd.js", "/vcc/cookieconsent.css"],
    config: ["/vcc/config.js"],
  },
  klaro: { library: ["/klaro/klaro.js"], config: ["/klaro/config.js"] },
};

/**
 * The banner's element in each widget, found from the page (a string run in
 * the browser): ours in its open shadow root, the peers in the document.
 */
export const BANNER_SELECTOR_SCRIPT: Record<Exclude<Contender, "none">, string> = {
  ours: `document.querySelector("opencontact-consent")?.shadowRoot?.querySelector("section.banner")`,
  "vanilla-cookieconsent": `document.querySelector("#cc-main .cm")`,
  klaro: `document.querySelector(".klaro .cookie-notice")`,
};
