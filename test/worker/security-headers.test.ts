/**
 * One header policy on every kind of response the worker makes (issue 10):
 * HSTS on https only (RFC 6797 §7.2), `frame-ancestors 'none'` with
 * `X-Frame-Options: DENY` everywhere, and `Cross-Origin-Resource-Policy:
 * same-origin` on staff pages and staff JSON, refusals included. Static
 * assets get theirs from site/_headers (test/e2e/staff-log.test.ts checks them
 * through wrangler dev).
 */
import { describe, expect, it } from "vitest";
import { app } from "../../worker/index.ts";
import { HSTS } from "../../worker/middleware/security-headers.ts";
import { freshLog, SITE_ORIGIN, validBody } from "./helpers.ts";
import { basic, staffEnv, TOKEN, TOKEN_NAME } from "./staff-helpers.ts";

await freshLog();

const AUTH = { Authorization: basic(TOKEN_NAME, TOKEN) };

const KINDS: { name: string; path: string; init?: RequestInit; staff: boolean }[] = [
  { name: "privacy page", path: "/privacy", staff: false },
  { name: "privacy JSON", path: "/privacy.json", staff: false },
  {
    name: "consent API",
    path: "/api/consent",
    init: {
      method: "POST",
      headers: { Origin: SITE_ORIGIN, "Content-Type": "text/plain", "CF-Connecting-IP": "192.0.2.44" },
      body: JSON.stringify(validBody({ pageUrl: `${SITE_ORIGIN}/` })),
    },
    staff: false,
  },
  { name: "consent API error", path: "/api/consent/not-a-uuid", staff: false },
  { name: "unknown route", path: "/nothing-here", staff: false },
  { name: "staff page", path: "/staff", init: { headers: AUTH }, staff: true },
  { name: "staff page refused", path: "/staff/stats", staff: true },
  { name: "sign-in page", path: "/staff-sign-in", staff: true },
  { name: "staff JSON", path: "/api/staff/events", init: { headers: AUTH }, staff: true },
  { name: "staff JSON refused", path: "/api/staff/events", staff: true },
];

describe("security headers", () => {
  for (const scheme of ["https", "http"] as const) {
    for (const kind of KINDS) {
      it(`${kind.name} over ${scheme}`, async () => {
        const response = await app.request(`${scheme}://consent.example${kind.path}`, kind.init, staffEnv());
        expect(response.status, "reached the handler").not.toBe(500);
        const headers = response.headers;
        expect(headers.get("Strict-Transport-Security")).toBe(scheme === "https" ? HSTS : null);
        expect(headers.get("X-Frame-Options")).toBe("DENY");
        expect(headers.get("Content-Security-Policy")).toContain("frame-ancestors 'none'");
        expect(headers.get("X-Content-Type-Options")).toBe("nosniff");
        if (kind.staff) {
          expect(headers.get("Cross-Origin-Resource-Policy")).toBe("same-origin");
          expect(headers.get("Content-Security-Policy")).toContain("script-src 'none'");
          expect(headers.get("Referrer-Policy")).toBe("no-referrer");
        } else {
          // Sites fetch the consent API from their own origins: CORS decides there, not CORP.
          expect(headers.get("Cross-Origin-Resource-Policy")).toBeNull();
        }
        await response.arrayBuffer();
      });
    }
  }

  it("sends HSTS with two years and subdomains", () => {
    expect(HSTS).toBe("max-age=63072000; includeSubDomains");
  });
});
