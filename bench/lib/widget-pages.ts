/**
 * The pages `bench:widget` loads: one small company page, identical for every
 * contender, with no widget, with the floor (a hand-written do-nothing
 * banner, the least a consent banner can cost), with ours, with
 * vanilla-cookieconsent 3.1.0, or with Klaro 0.7.22. Each peer gets the
 * configuration a site would write for the same three optional categories,
 * with the same words (ours has them built in: `shared/messages.ts`,
 * `shared/categories.ts`). Every widget script is loaded with `defer`, as
 * each project's documentation shows. Ours is `/consent.js` from the whole
 * `dist/public` folder served at the root, as the worker serves it, so
 * whatever else the script loads from its own origin is there too; two more
 * pages of ours carry `data-rules="by-region"` (`RULES_PAGES`).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { CATEGORIES } from "../../shared/categories.ts";
import { DEFAULT_MESSAGES as M } from "../../shared/messages.ts";
import type { RulesAnswer } from "../../shared/rules.ts";
import { REPO_ROOT } from "./worker-config.ts";

export const CONTENDERS = ["none", "floor", "ours", "ours-uk", "ours-eea", "vanilla-cookieconsent", "klaro"] as const;
export type Contender = (typeof CONTENDERS)[number];
export type Widget = Exclude<Contender, "none">;
/** The widgets whose click on Manage preferences is timed (the floor has no dialog; ours with rules is ours). */
export type DialogWidget = "ours" | "vanilla-cookieconsent" | "klaro";
export const DIALOG_WIDGETS: readonly DialogWidget[] = ["ours", "vanilla-cookieconsent", "klaro"];
export const isDialogWidget = (contender: Contender): contender is DialogWidget =>
  (DIALOG_WIDGETS as readonly Contender[]).includes(contender);

/**
 * Ours with `data-rules="by-region"` (issue 14), each page getting the
 * `GET /api/rules` answer the worker gives a visitor from that region with
 * `UK_EXCEPTION = "analytics"` (`static-server.ts` tells the pages apart by
 * the request's Referer).
 */
export const RULES_PAGES = {
  "ours-uk": { region: "uk", ruleSet: "uk", exceptions: ["analytics"] },
  "ours-eea": { region: "eea", ruleSet: "eea", exceptions: [] },
} as const satisfies Partial<Record<Widget, RulesAnswer>>;
export type RulesPage = keyof typeof RULES_PAGES;
export const isRulesPage = (contender: string): contender is RulesPage => Object.hasOwn(RULES_PAGES, contender);

/** The body the worker answers `GET /api/rules` with (Hono's `c.json`), for a rules page. */
export const rulesBody = (page: RulesPage) => Buffer.from(JSON.stringify(RULES_PAGES[page]));

/** What `--only <name>` stands for: a contender, or `ours` for today's page and both rules pages. */
export const GROUPS: Record<string, readonly Contender[]> = {
  ...Object.fromEntries(CONTENDERS.map((contender) => [contender, [contender]])),
  ours: ["ours", "ours-uk", "ours-eea"],
};

export const LABELS: Record<Contender, string> = {
  none: "No widget",
  floor: "Floor (do-nothing banner)",
  ours: "OpenContact Consent",
  "ours-uk": "OpenContact Consent, UK rules",
  "ours-eea": "OpenContact Consent, EEA rules",
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

/**
 * The floor: plain DOM, three buttons, a few CSS rules, a cookie on click,
 * and nothing else (no dialog, no log, no gating). About 1 KB.
 */
const floorBanner = `(() => {
  if (/(^|; )floor_consent=/.test(document.cookie)) return;
  const banner = document.createElement("section");
  banner.className = "floor";
  banner.setAttribute("aria-label", ${JSON.stringify(M.bannerLabel)});
  banner.innerHTML = "<style>.floor{position:fixed;left:16px;right:16px;bottom:16px;max-width:40rem;margin:auto;padding:16px;background:#fff;color:#111;border-radius:8px;box-shadow:0 2px 12px #0004;font:15px/1.4 system-ui,sans-serif}.floor button{margin:8px 8px 0 0;padding:8px 14px;border:1px solid #111;border-radius:6px;background:#fff;font:inherit}</style><h2></h2><p></p>";
  banner.querySelector("h2").textContent = ${JSON.stringify(M.bannerTitle)};
  banner.querySelector("p").textContent = ${JSON.stringify(M.bannerText)};
  for (const [label, value] of ${JSON.stringify([
    [M.rejectAll, "reject"],
    [M.acceptAll, "accept"],
    [M.manage, "manage"],
  ])}) {
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = label;
    button.onclick = () => {
      document.cookie = "floor_consent=" + value + "; Max-Age=15724800; Path=/; SameSite=Lax";
      banner.remove();
    };
    banner.append(button);
  }
  document.body.prepend(banner);
})();
`;

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

/** The page's own files, which are not the widget's: the page and its stylesheet. */
export function pageFiles(contender: Contender): string[] {
  return [`/${contender}.html`, "/site.css", "/favicon.ico"];
}

/** Every file the bench server serves for the pages and the peers, by path (ours: `dist/public`). */
export function benchAssets(): Map<string, Asset> {
  const file = (path: string) => readFileSync(path);
  const assets = new Map<string, Asset>([
    ["/site.css", { type: CSS, body: Buffer.from(SITE_CSS) }],
    ["/none.html", { type: "text/html; charset=utf-8", body: Buffer.from(page("No widget", "")) }],
    [
      "/floor.html",
      {
        type: "text/html; charset=utf-8",
        body: Buffer.from(page("Floor", '<script src="/floor/banner.js" defer></script>')),
      },
    ],
    ["/floor/banner.js", { type: JS, body: Buffer.from(floorBanner) }],
    [
      "/ours.html",
      {
        type: "text/html; charset=utf-8",
        body: Buffer.from(page("Ours", '<script src="/consent.js" defer></script>')),
      },
    ],
    ...Object.keys(RULES_PAGES).map(
      (name) =>
        [
          `/${name}.html`,
          {
            type: "text/html; charset=utf-8",
            body: Buffer.from(
              page(
                `Ours, ${name.slice(5).toUpperCase()} rules`,
                '<script src="/consent.js" data-rules="by-region" defer></script>',
              ),
            ),
          },
        ] as const,
    ),
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

/** How the bench finds and works each widget on the page. */
export interface WidgetHooks {
  /** The banner's element, found from the page (a string run in the browser). */
  banner: string;
  /** A Playwright selector of the banner's Accept all button. */
  acceptAll: string;
  /** The banner's Manage preferences button, found from the page; null for the floor. */
  manage: string | null;
  /** The preferences dialog's element, found from the page; null for the floor. */
  dialog: string | null;
  /** The cookie that holds the visitor's choice. */
  storedChoice: string;
  /** The site's own configuration script, which the peers need and ours does not. */
  config: string[];
}

/** Ours lives in an open shadow root (Playwright's CSS selectors pierce it); the others in the document. */
const OURS = `document.querySelector("opencontact-consent")?.shadowRoot`;

const OURS_HOOKS: WidgetHooks = {
  banner: `${OURS}?.querySelector("section.banner")`,
  acceptAll: 'opencontact-consent [data-occ-action="accept-all"]',
  manage: `${OURS}?.querySelector('[data-occ-action="manage"]')`,
  dialog: `${OURS}?.querySelector("dialog")`,
  storedChoice: "opencontact_consent",
  config: [],
};

export const WIDGET_HOOKS: Record<Widget, WidgetHooks> = {
  floor: {
    banner: `document.querySelector("section.floor")`,
    acceptAll: "section.floor button:nth-of-type(2)",
    manage: null,
    dialog: null,
    storedChoice: "floor_consent",
    config: [],
  },
  ours: OURS_HOOKS,
  "ours-uk": OURS_HOOKS,
  "ours-eea": OURS_HOOKS,
  "vanilla-cookieconsent": {
    banner: `document.querySelector("#cc-main .cm")`,
    acceptAll: '#cc-main .cm [data-role="all"]',
    manage: `document.querySelector('#cc-main .cm [data-role="show"]')`,
    dialog: `document.querySelector("#cc-main .pm")`,
    storedChoice: "cc_cookie",
    config: ["/vcc/config.js"],
  },
  klaro: {
    banner: `document.querySelector(".klaro .cookie-notice")`,
    acceptAll: ".klaro .cookie-notice .cm-btn-success",
    manage: `document.querySelector(".klaro .cookie-notice .cn-learn-more")`,
    dialog: `document.querySelector(".klaro .cookie-modal .cm-modal")`,
    storedChoice: "klaro",
    config: ["/klaro/config.js"],
  },
};
