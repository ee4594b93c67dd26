/**
 * Privacy tools answer our banner: the real `@duckduckgo/autoconsent` content
 * script (its Playwright build, injected and answered as its own test runner
 * does) with every shipped rule plus ours
 * (integrations/autoconsent/opencontact-consent.json), with heuristics and
 * prehiding on, against the demo. Its answer is logged like a click, GPC
 * still counts, a UK visitor's tool objects without analytics ever running
 * behind the hidden banner, and a widget whose stable hooks drift makes it fail.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import {
  type AutoConsentCMPRule,
  type Config,
  type ContentScriptMessage,
  filterCompactRules,
  type IndexedCMPRuleset,
  type RuleBundle,
} from "@duckduckgo/autoconsent";
import type { BrowserContext, Frame, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { decodeRecord } from "../../widget/consent-state.ts";
import { partFile } from "../../widget/part-file.ts";
import { CHROMIUM, useBrowser } from "./browser.ts";
import { demoRuns, visit, waitForEmptyOutbox } from "./widget-helpers.ts";
import { freePort, queryD1, startWorker, type WorkerServer } from "./worker-server.ts";

const PACKAGE = new URL("../../node_modules/@duckduckgo/autoconsent/", import.meta.url);
const CONTENT_SCRIPT = readFileSync(new URL("dist/autoconsent.playwright.js", PACKAGE), "utf8");
const readJson = <T>(url: URL): T => JSON.parse(readFileSync(url, "utf8")) as T;
/** What DuckDuckGo's browsers ship for opting out (compact), and the full rules its runner uses for opting in. */
const COMPACT_RULES = readJson<IndexedCMPRuleset>(new URL("rules/compact-rules.json", PACKAGE));
const FULL_RULES = readJson<RuleBundle>(new URL("rules/rules.json", PACKAGE)).autoconsent;
const RULE = readJson<AutoConsentCMPRule>(
  new URL("../../integrations/autoconsent/opencontact-consent.json", import.meta.url),
);

/** A browser that answers banners for its user: every shipped rule, heuristic detection and prehiding on. */
const BROWSER_CONFIG: Partial<Config> = {
  enabled: true,
  disabledCmps: [],
  enablePrehide: true,
  enableCosmeticRules: true,
  enableGeneratedRules: true,
  enableHeuristicDetection: true,
  heuristicMode: "reject",
  detectRetries: 20,
};

/**
 * For runs expected to fail: two detection attempts (the second with heuristics) instead of waiting
 * up to a minute for the page to change, and prehiding lifted only by autoconsent giving up on the
 * popup, so that giving up is a message the test can wait for rather than a silence.
 */
const GIVE_UP_QUICKLY: Partial<Config> = { detectRetries: 1, prehideTimeout: 600_000 };

type Action = "optOut" | "optIn";

interface AutoconsentPage {
  /** The messages autoconsent sent from any frame, of this type (and with these fields). */
  find<T extends ContentScriptMessage["type"]>(
    type: T,
    match?: Partial<Extract<ContentScriptMessage, { type: T }>>,
  ): Extract<ContentScriptMessage, { type: T }>[];
}

declare global {
  interface Window {
    autoconsentReceiveMessage?: (message: unknown) => Promise<void>;
  }
}

/** autoconsent's own runner (playwright/runner.ts): a binding for its messages, the script injected into every frame. */
async function runAutoconsent(page: Page, url: string, action: Action, overrides: Partial<Config> = {}) {
  const received: ContentScriptMessage[] = [];
  let selfTestFrame: Frame | null = null;
  const answer = (frame: Frame, message: unknown) =>
    frame.evaluate((reply) => window.autoconsentReceiveMessage?.(reply), message);
  await page.exposeBinding(
    "autoconsentSendMessage",
    async ({ frame }: { frame: Frame }, message: ContentScriptMessage) => {
      received.push(message);
      switch (message.type) {
        case "init": {
          const rules: RuleBundle =
            action === "optIn"
              ? { autoconsent: [...FULL_RULES, RULE] }
              : {
                  autoconsent: [RULE],
                  compact: filterCompactRules(COMPACT_RULES, {
                    url: message.url,
                    mainFrame: frame.parentFrame() === null,
                  }),
                };
          await answer(frame, {
            type: "initResp",
            config: { ...BROWSER_CONFIG, ...overrides, autoAction: action },
            rules,
          });
          break;
        }
        case "eval":
          await answer(frame, { type: "evalResp", id: message.id, result: await frame.evaluate(message.code) });
          break;
        case "optOutResult":
          if (message.scheduleSelfTest) selfTestFrame = frame;
          break;
        case "autoconsentDone":
          if (selfTestFrame) await answer(selfTestFrame, { type: "selfTest" });
          break;
      }
    },
  );
  const injectInto = (frame: Frame) => frame.evaluate(CONTENT_SCRIPT).catch(() => undefined); // a frame may detach
  page.on("framenavigated", injectInto);
  await page.goto(url, { waitUntil: "commit" });
  await Promise.all(page.frames().map(injectInto));
  const find: AutoconsentPage["find"] = (type, match = {}) =>
    received.filter(
      (message) =>
        message.type === type &&
        Object.entries(match).every(([key, value]) => message[key as keyof typeof message] === value),
    ) as never;
  return { find } satisfies AutoconsentPage;
}

async function waitFor(check: () => unknown, timeout = 45_000): Promise<void> {
  await expect.poll(check, { timeout, interval: 200 }).toBeTruthy();
}

interface Row {
  method: string;
  analytics: number;
  functionality: number;
  targeting: number;
  gpc: number;
}

/** The visitor's choice as the widget, the cookie and the log each hold it. */
async function expectChoice(
  page: Page,
  context: BrowserContext,
  expected: { granted: boolean; method: string; gpc: 0 | 1 },
) {
  const all = { analytics: expected.granted, functionality: expected.granted, targeting: expected.granted };
  const consent = await page.evaluate(() => window.OpenContactConsent?.get());
  expect(consent?.choices).toEqual(all);
  const cookie = (await context.cookies()).find((entry) => entry.name === "opencontact_consent");
  expect(decodeRecord(cookie?.value, Date.now())?.choices).toEqual(all);
  await waitForEmptyOutbox(page);
  const rows = queryD1<Row>(
    inject("persistDir"),
    `SELECT method, analytics, functionality, targeting, gpc FROM consent_events WHERE consent_id = '${consent?.consentId}'`,
  );
  const bit = expected.granted ? 1 : 0;
  expect(rows).toEqual([
    { method: expected.method, analytics: bit, functionality: bit, targeting: bit, gpc: expected.gpc },
  ]);
}

/** Done like a visitor's click: the banner gone, the way back shown and no longer prehidden. */
async function expectAnswered(page: Page, run: AutoconsentPage, action: Action) {
  const result = action === "optOut" ? "optOutResult" : "optInResult";
  expect(run.find(result).map((message) => [message.cmp, message.result])).toEqual([[RULE.name, true]]);
  // No shipped rule claims our banner, so there is never a second, conflicting answer.
  expect(new Set(run.find("cmpDetected").map((message) => message.cmp))).toEqual(new Set([RULE.name]));
  expect(run.find("autoconsentError")).toEqual([]);
  await page.locator('[data-occ-action="reopen"]').waitFor({ state: "visible" });
  expect(await page.locator('[data-occ="banner"]').count()).toBe(0);
  await waitFor(() =>
    page.evaluate(() => getComputedStyle(document.querySelector("opencontact-consent") as Element).opacity === "1"),
  );
}

describe.skipIf(!CHROMIUM)("privacy tools answering the banner through @duckduckgo/autoconsent", () => {
  const browser = useBrowser();
  const demo = () => `${inject("baseUrl")}/`;

  it("rejects for a visitor whose browser says no: every category refused, reject_all logged, self-test passes", async () => {
    const { context, page, errors } = await visit(browser(), "");
    const run = await runAutoconsent(page, demo(), "optOut");
    await waitFor(() => run.find("selfTestResult").length);
    expect(run.find("autoconsentDone").map((message) => message.cmp)).toEqual([RULE.name]);
    expect(run.find("selfTestResult").map((message) => [message.cmp, message.result])).toEqual([[RULE.name, true]]);
    await expectAnswered(page, run, "optOut");
    await expectChoice(page, context, { granted: false, method: "reject_all", gpc: 0 });
    expect(errors).toEqual([]);
    await context.close();
  });

  it("accepts for a visitor whose tool says yes: every category granted, accept_all logged", async () => {
    const { context, page, errors } = await visit(browser(), "");
    const run = await runAutoconsent(page, demo(), "optIn");
    await waitFor(() => run.find("autoconsentDone", { cmp: RULE.name }).length);
    await expectAnswered(page, run, "optIn");
    await expectChoice(page, context, { granted: true, method: "accept_all", gpc: 0 });
    expect(errors).toEqual([]);
    await context.close();
  });

  it("keeps Global Privacy Control: a tool's refusal under GPC is logged with gpc", async () => {
    const { context, page, errors } = await visit(browser(), "");
    await page.addInitScript(() => Object.defineProperty(navigator, "globalPrivacyControl", { value: true }));
    const run = await runAutoconsent(page, demo(), "optOut");
    await waitFor(() => run.find("selfTestResult", { result: true }).length);
    await expectAnswered(page, run, "optOut");
    await expectChoice(page, context, { granted: false, method: "reject_all", gpc: 1 });
    expect(errors).toEqual([]);
    await context.close();
  });

  /**
   * The built widget with one stable hook renamed, as a careless refactor would, and the step of the
   * rule that must then fail: autoconsent reports it and leaves the visitor to choose.
   */
  const DRIFTS = [
    {
      hook: "host element",
      failsAt: "detectCmp",
      from: 'createElement("opencontact-consent")',
      to: 'createElement("occ-consent")',
    },
    { hook: "banner", failsAt: "detectPopup", from: '"data-occ":"banner"', to: '"data-occ":"notice"' },
    {
      hook: "Reject all",
      failsAt: "optOut",
      from: '"data-occ-action":"reject-all"',
      to: '"data-occ-action":"refuse-all"',
    },
    {
      hook: "Accept all",
      failsAt: "optIn",
      from: '"data-occ-action":"accept-all"',
      to: '"data-occ-action":"agree-all"',
    },
    { hook: "consent cookie", failsAt: "test", from: '"opencontact_consent"', to: '"occ_choice"' },
  ] as const;

  /**
   * Serves the widget, core and parts, as a build with the drift would be: the hook renamed in every
   * file, and the core holding each drifted part's own SRI hash (and so asking for the file name
   * derived from it), so it still loads them.
   */
  async function serveDrifted(page: Page, from: string, to: string): Promise<void> {
    const release = JSON.parse(readFileSync("dist/public/consent-release.json", "utf8")) as {
      parts: Record<string, { path: string; integrity: string }>;
    };
    const files = ["/consent.js", ...Object.values(release.parts).map(({ path }) => path)];
    // A drift the built widget no longer contains would prove nothing.
    expect(files.some((path) => readFileSync(`dist/public${path}`, "utf8").includes(from))).toBe(true);
    // Each part's hash in its own algorithm; the core names a part's file from its hash, so the
    // drifted name is served from the built file.
    const rehashed = Object.entries(release.parts).map(([name, { path, integrity }]) => {
      const drifted = readFileSync(`dist/public${path}`, "utf8").replaceAll(from, to);
      const algorithm = integrity.slice(0, integrity.indexOf("-"));
      const driftedIntegrity = `${algorithm}-${createHash(algorithm).update(drifted).digest("base64")}`;
      return { built: integrity, drifted: driftedIntegrity, file: partFile(name, driftedIntegrity), path };
    });
    await page.route(/\/(consent\.js|parts\/[^/]+\.js)$/, async (route) => {
      const url = new URL(route.request().url());
      const part = rehashed.find(({ file }) => url.pathname.endsWith(`/${file}`));
      const response = await route.fetch(part && { url: `${url.origin}${part.path}` });
      let body = (await response.text()).replaceAll(from, to);
      for (const { built, drifted } of rehashed) body = body.replaceAll(built, drifted);
      await route.fulfill({ response, body });
    });
  }

  it.each(DRIFTS)(
    "fails at $failsAt when the widget's $hook hook drifts from the rule",
    async ({ failsAt, from, to }) => {
      const { context, page } = await visit(browser(), "");
      await serveDrifted(page, from, to);
      const action = failsAt === "optIn" ? "optIn" : "optOut";
      const run = await runAutoconsent(page, demo(), action, GIVE_UP_QUICKLY);
      // The page's own instance, not the one in the demo's not-yet-loaded map frame.
      const lifecycle = () => run.find("report", { mainFrame: true }).map(({ state }) => state);
      const gaveUp = {
        detectCmp: () => lifecycle().some((state) => state.lifecycle === "nothingDetected"),
        detectPopup: () => lifecycle().some((state) => state.lifecycle === "cmpDetected" && !state.prehideOn),
        optOut: () => run.find("optOutResult", { cmp: RULE.name, result: false }).length,
        optIn: () => run.find("optInResult", { cmp: RULE.name, result: false }).length,
        test: () => run.find("selfTestResult", { cmp: RULE.name, result: false }).length,
      }[failsAt];
      await waitFor(gaveUp);
      expect(run.find("cmpDetected", { cmp: RULE.name }).length > 0).toBe(failsAt !== "detectCmp");
      expect(run.find("popupFound", { cmp: RULE.name }).length > 0).toBe(
        failsAt !== "detectCmp" && failsAt !== "detectPopup",
      );
      if (failsAt === "test") {
        // The click worked; only the self-test can tell that the stored choice is not where the rule looks.
        expect(run.find("autoconsentDone", { cmp: RULE.name })).toHaveLength(1);
      } else {
        expect(run.find("autoconsentDone")).toEqual([]);
        // The visitor is asked, as before the rule existed: nothing was chosen for them.
        await page.getByRole("region", { name: "Cookie choices" }).waitFor();
        expect(await page.evaluate(() => window.OpenContactConsent?.get())).toBeNull();
      }
      await context.close();
    },
  );
});

describe.skipIf(!CHROMIUM)("a privacy tool answering the UK banner (rules by region)", () => {
  const browser = useBrowser();
  let worker: WorkerServer;

  beforeAll(async () => {
    const port = await freePort();
    worker = await startWorker({
      port,
      vars: { ALLOWED_ORIGINS: `http://127.0.0.1:${port}`, UK_EXCEPTION: "analytics", DEV_FORCE_COUNTRY: "GB" },
    });
  });
  afterAll(async () => {
    await worker?.stop();
  });

  it("objects for a visitor whose browser says no: Reject all logged under uk, analytics never ran behind the hidden banner", async () => {
    // A browser extension's prehiding style is not subject to the page's CSP (this runner injects it
    // into the page, where the demo's strict CSP would block it), and it is in place from the start
    // of the document, before the page's scripts run: autoconsent's own element, which its content
    // script takes over and removes once it has answered.
    const { context, page, errors } = await visit(browser(), "", { bypassCSP: true });
    await page.addInitScript(() => {
      const style = document.createElement("style");
      style.id = "autoconsent-prehide";
      style.textContent =
        "opencontact-consent { opacity: 0 !important; z-index: -1 !important; pointer-events: none !important; } ";
      // An init script may run before the document has its root element.
      const place = () => {
        if (!document.documentElement) return false;
        document.documentElement.append(style);
        return true;
      };
      if (!place()) {
        new MutationObserver((_, observer) => place() && observer.disconnect()).observe(document, { childList: true });
      }
    });
    const run = await runAutoconsent(page, `${worker.url}/`, "optOut");
    await waitFor(() => run.find("selfTestResult", { result: true }).length);
    await expectAnswered(page, run, "optOut");
    // The demo's tag asks for the rules: the banner the tool answered was the UK one.
    const consent = await page.evaluate(() => window.OpenContactConsent?.get());
    expect(consent?.choices).toEqual({ analytics: false, functionality: false, targeting: false });
    await waitForEmptyOutbox(page);
    const rows = queryD1<{ method: string; rule_set: string; basis: string }>(
      worker.persistDir,
      `SELECT method, rule_set, basis FROM consent_events WHERE consent_id = '${consent?.consentId}'`,
    );
    expect(rows).toEqual([
      {
        method: "reject_all",
        rule_set: "uk",
        basis: JSON.stringify({ analytics: "objected", functionality: "consent", targeting: "consent" }),
      },
    ]);
    // Prehidden until answered, the notice was never seen: the exception's analytics never ran.
    expect((await demoRuns(page)).filter((name) => name.startsWith("analytics"))).toEqual([]);
    expect(errors).toEqual([]);
    await context.close();
  });
});
