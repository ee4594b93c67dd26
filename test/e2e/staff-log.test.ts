/**
 * The staff consent log in Chromium against the real worker (`wrangler dev`
 * with its own local D1): make a consent on the demo page, sign in with a
 * local staff token, find the consent by the id the widget's dialog shows,
 * open the record, download the CSV, and prove hostile logged values run
 * nothing (escaped as text and blocked by the page's CSP). Then the sign-in
 * flows of issue 10: back to the page asked for, never off the staff pages,
 * sign-out ending a copied session, wrong tokens limited and shown in the
 * audit, and the headers of static assets and staff pages as served.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { axe } from "./axe.ts";
import { CHROMIUM, launchBrowser } from "./browser.ts";
import { queryD1, startWorker, type WorkerServer } from "./worker-server.ts";

const TOKEN_NAME = "e2e";
const TOKEN = "e2e-staff-token-that-is-long-enough";
const DIGEST = createHash("sha256").update(TOKEN).digest("hex");
/** A second staff member, whose name an attacker hammers in the last test. */
const VICTIM = "e2e-victim";
const SESSION_SECRET = "e2e-session-secret-that-is-long-enough-0123";

async function fillSignIn(page: Page, name: string, token: string) {
  await page.getByLabel("Token name").fill(name);
  await page.getByLabel("Token", { exact: true }).fill(token);
  await page.getByRole("button", { name: "Sign in" }).click();
}

async function signIn(page: Page, base: string, path = "/staff") {
  await page.goto(`${base}${path}`);
  await fillSignIn(page, TOKEN_NAME, TOKEN);
  await expect.poll(() => page.getByText(`Signed in as ${TOKEN_NAME}`).count()).toBe(1);
}

describe.skipIf(!CHROMIUM)("staff consent log in Chromium", () => {
  let browser: Browser;
  let server: WorkerServer;

  beforeAll(async () => {
    const victimDigest = createHash("sha256").update("victims-own-token-that-is-long").digest("hex");
    server = await startWorker({
      vars: { STAFF_TOKENS: JSON.stringify({ [TOKEN_NAME]: DIGEST, [VICTIM]: victimDigest }), SESSION_SECRET },
    });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it("finds the consent the demo page just made, opens the record and downloads the CSV", async () => {
    const context = await browser.newContext({ acceptDownloads: true });
    const page = await context.newPage();
    const scriptRan: string[] = [];
    page.on("dialog", (dialog) => {
      scriptRan.push(dialog.message());
      void dialog.dismiss();
    });

    // A visitor accepts on the demo page, then reads their consent id in the preferences dialog.
    await page.goto(`${server.url}/`);
    await page.getByRole("button", { name: "Accept all" }).first().click();
    await page.getByRole("link", { name: "Cookie settings" }).first().click();
    // The consent id is the one in the "Your consent id" entry (the declaration tables hold cookie names in <code> too).
    const consentId = (await page.locator("dialog dd code").first().textContent())?.trim() ?? "";
    expect(consentId).toMatch(/^[0-9a-f-]{36}$/);
    // Wait until the log has the event (the widget sends it in the background).
    await expect
      .poll(
        () =>
          queryD1(server.persistDir, `SELECT COUNT(*) AS n FROM consent_events WHERE consent_id = '${consentId}'`)[0]
            ?.n,
        {
          timeout: 15_000,
        },
      )
      .toBe(1);

    // A hostile event under the same id, written straight into the log.
    queryD1(
      server.persistDir,
      `INSERT INTO consent_events (event_id, consent_id, received_at, method, analytics, functionality, targeting,
         revision, page_url, user_agent, ip_prefix, country, language, gpc, widget_version)
       SELECT '11111111-2222-4333-8444-555555555555', '${consentId}', '2000-01-01T00:00:00.000Z', 'custom', 0, 0, 0,
         revision, 'javascript:alert(1)', '<img src=x onerror="alert(2)"><script>alert(3)</script>', NULL, NULL,
         '<svg onload=alert(4)>', 0, '0.1.0' FROM consent_events WHERE consent_id = '${consentId}'`,
    );

    // Staff sign in with the local token.
    await signIn(page, server.url);

    // Paste the id; see the history.
    await page.getByLabel("Consent id").fill(consentId);
    await page.getByRole("button", { name: "Find" }).click();
    expect(new URL(page.url()).pathname).toBe(`/staff/consents/${consentId}`);
    await expect(page.getByRole("heading", { level: 1 }).textContent()).resolves.toContain(consentId);
    const rows = page.locator("table tbody tr");
    await expect(rows.count()).resolves.toBe(2);
    await expect(page.getByText("Accept all").first().isVisible()).resolves.toBe(true);

    // The hostile values show as text; nothing ran and no markup was made of them.
    await expect(page.getByText("javascript:alert(1)").count()).resolves.toBe(1);
    await expect(page.locator('a[href^="javascript:"]').count()).resolves.toBe(0);

    // Open the older (hostile) record, then the visitor's own record.
    await page
      .getByRole("link", { name: /^Record \d+$/ })
      .last()
      .click();
    await expect(page.getByText('<img src=x onerror="alert(2)"><script>alert(3)</script>').count()).resolves.toBe(1);
    await expect(page.getByText("<svg onload=alert(4)>").count()).resolves.toBe(1);
    await expect(page.getByText("javascript:alert(1)").count()).resolves.toBeGreaterThan(0);
    await expect(page.locator("main img, main script, main svg[onload]").count()).resolves.toBe(0);
    await expect(page.locator('a[href^="javascript:"]').count()).resolves.toBe(0);
    await page
      .getByRole("link", { name: /^Record \d+$/ })
      .first()
      .click();
    const revisionLink = page.getByRole("link", { name: /^[0-9a-f]{16}$/ });
    await expect(revisionLink.getAttribute("href")).resolves.toMatch(/^\/privacy\/[0-9a-f]{16}$/);

    // Download the CSV of this consent's history.
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      page.getByRole("link", { name: "History as CSV" }).click(),
    ]);
    const csv = readFileSync((await download.path()) ?? "", "utf8");
    expect(csv.split("\r\n")[0]).toMatch(/^event_id,consent_id,received_at,method/);
    expect(csv).toContain(consentId);
    expect(csv).toContain('"<img src=x onerror=""alert(2)""><script>alert(3)</script>"');
    expect(csv).not.toMatch(/(^|,)=/m);

    // The subject-access export downloads as JSON.
    const [sar] = await Promise.all([
      page.waitForEvent("download"),
      page.getByRole("link", { name: "Subject-access export (JSON)" }).click(),
    ]);
    const exported = JSON.parse(readFileSync((await sar.path()) ?? "", "utf8")) as { events: unknown[] };
    expect(exported.events).toHaveLength(2);

    // Staff find their own look-ups in the audit.
    await page.goto(`${server.url}/staff/audit`);
    await expect(page.getByText("view_consent").count()).resolves.toBeGreaterThan(0);
    await expect(page.getByText("export_subject_access").count()).resolves.toBe(1);

    // The statistics page draws the chart from the log.
    await page.goto(`${server.url}/staff/stats`);
    await expect(page.locator("svg.chart rect.bar").count()).resolves.toBe(30);

    expect(scriptRan).toEqual([]);
    await context.close();
  }, 120_000);

  it("serves every staff page accessibly on a laptop screen, with no CSP violations", async () => {
    const page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
    const violations: string[] = [];
    page.on("console", (message) => {
      if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
    });
    await page.goto(`${server.url}/staff`);
    expect(await axe(page), "sign-in page").toEqual([]);
    await signIn(page, server.url);
    const [event] = queryD1<{ id: number; consent_id: string }>(
      server.persistDir,
      "SELECT id, consent_id FROM consent_events LIMIT 1",
    );
    for (const path of [
      "/staff",
      "/staff?method=accept_all",
      `/staff/consents/${event?.consent_id}`,
      `/staff/events/${event?.id}`,
      "/staff/stats",
      "/staff/audit",
    ]) {
      await page.goto(`${server.url}${path}`);
      expect(await axe(page), path).toEqual([]);
      // Wide tables scroll inside their box; the page itself never scrolls sideways.
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect(overflow, path).toBeLessThanOrEqual(0);
      await expect(
        page.evaluate(() => getComputedStyle(document.body).fontFamily),
        path,
      ).resolves.toContain("system-ui");
    }
    expect(violations).toEqual([]);
    await page.close();
  }, 120_000);
  it("returns to the page asked for after sign-in, and never off the staff pages", async () => {
    const context = await browser.newContext({ acceptDownloads: true });
    const page = await context.newPage();
    await signIn(page, server.url, "/staff/audit?before=999999");
    expect(new URL(page.url()).pathname + new URL(page.url()).search).toBe("/staff/audit?before=999999");
    await context.clearCookies();

    // A link that would start a CSV export on sign-in lands on the staff home page instead.
    let downloaded = false;
    page.on("download", () => {
      downloaded = true;
    });
    const hostile = encodeURIComponent("/staff/../api/staff/events.csv");
    await page.goto(`${server.url}/staff-sign-in?next=${hostile}`);
    await fillSignIn(page, TOKEN_NAME, TOKEN);
    await expect.poll(() => page.getByText(`Signed in as ${TOKEN_NAME}`).count()).toBe(1);
    expect(new URL(page.url()).pathname).toBe("/staff");
    expect(downloaded).toBe(false);
    await context.close();
  }, 120_000);

  it("ends a copied session when its owner signs out", async () => {
    const owner = await browser.newContext();
    const page = await owner.newPage();
    await signIn(page, server.url);
    const cookies = await owner.cookies();
    expect(cookies.map((cookie) => cookie.name)).toEqual(["staff_session"]);
    expect(cookies[0]).toMatchObject({ httpOnly: true, sameSite: "Strict" });

    // Someone else's browser with the same cookie is signed in, until the owner signs out.
    const thief = await browser.newContext();
    await thief.addCookies(cookies);
    const stolen = await thief.newPage();
    await stolen.goto(`${server.url}/staff/stats`);
    await expect.poll(() => stolen.getByText(`Signed in as ${TOKEN_NAME}`).count()).toBe(1);

    await page.getByRole("button", { name: "Sign out" }).click();
    await expect.poll(() => new URL(page.url()).pathname).toBe("/staff-sign-in");
    expect(await owner.cookies()).toEqual([]);

    await stolen.goto(`${server.url}/staff/stats`);
    expect(new URL(stolen.url()).pathname).toBe("/staff-sign-in");
    await expect(stolen.getByRole("alert").textContent()).resolves.toContain("Your session has ended");
    const api = await stolen.request.get(`${server.url}/api/staff/stats`);
    expect(api.status()).toBe(401);
    await owner.close();
    await thief.close();
  }, 120_000);

  it("serves static assets and staff pages with the documented security headers", async () => {
    const get = (path: string) => fetch(`${server.url}${path}`, { redirect: "manual" });
    for (const path of ["/consent.js", "/", "/assets/staff.css", "/consent-release.json"]) {
      const response = await get(path);
      expect(response.status, path).toBe(200);
      expect(response.headers.get("Strict-Transport-Security"), path).toBe("max-age=63072000; includeSubDomains");
      expect(response.headers.get("X-Frame-Options"), path).toBe("DENY");
    }
    // The demo map is framed by the demo page: its CSP allows 'self', and no X-Frame-Options contradicts it.
    const map = await get("/demo/map.html");
    expect(map.headers.get("X-Frame-Options")).toBeNull();
    expect(map.headers.get("Content-Security-Policy")).toContain("frame-ancestors 'self'");
    // The worker's own answers over plain http: the framing policy and CORP on staff, no HSTS.
    for (const path of ["/staff-sign-in", "/api/staff/events", "/staff"]) {
      const response = await get(path);
      expect(response.headers.get("X-Frame-Options"), path).toBe("DENY");
      expect(response.headers.get("Cross-Origin-Resource-Policy"), path).toBe("same-origin");
      expect(response.headers.get("Strict-Transport-Security"), path).toBeNull();
    }
  });

  it("limits wrong tokens for one name with a clear page, and lists them in the audit", async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${server.url}/staff-sign-in`);
    for (let attempt = 1; attempt <= 10; attempt++) {
      await fillSignIn(page, VICTIM, `guess-number-${attempt}`);
      await expect(page.getByRole("alert").textContent()).resolves.toContain("do not match");
    }
    await fillSignIn(page, VICTIM, "guess-number-11");
    await expect(page.getByRole("alert").textContent()).resolves.toMatch(
      /Too many failed sign-ins\. Try again in \d+ seconds\./,
    );

    // The other staff member still signs in, and sees the attempts in the audit.
    await signIn(page, server.url, "/staff/audit");
    const row = page.locator("section[aria-labelledby=failures] tbody tr", { hasText: VICTIM });
    await expect(row.locator("td").allTextContents()).resolves.toEqual([
      VICTIM,
      expect.stringMatching(/^(127\.0\.0\.0\/24|–)$/),
      "10",
      expect.stringMatching(/^\d{4}-/),
    ]);
    expect(await page.content()).not.toContain("guess-number");
    expect(await axe(page), "audit page with failures").toEqual([]);
    await context.close();
  }, 120_000);
});
