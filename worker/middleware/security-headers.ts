/**
 * @module
 * Every security header the worker sets, in one place. Static assets get
 * theirs from `site/_headers` (Workers static assets answer before this code).
 *
 * - HSTS on every https response (RFC 6797 §7.2: never over plain http,
 *   where a browser ignores it anyway).
 * - One framing policy: `frame-ancestors 'none'` and `X-Frame-Options: DENY`
 *   on everything the worker answers; nothing here is meant to be framed.
 * - Staff pages and staff JSON: their own CSP (same-origin only, no script),
 *   `Cross-Origin-Resource-Policy: same-origin` and no referrer.
 */
import { createMiddleware } from "hono/factory";
import { secureHeaders } from "hono/secure-headers";
import type { AppEnv } from "../types.ts";

/** Two years, subdomains included: the value hstspreload.org asks for. */
export const HSTS = "max-age=63072000; includeSubDomains";

/** Server-rendered pages outside the staff area (the privacy statement) carry no script. */
const siteHeaders = secureHeaders({
  contentSecurityPolicy: {
    defaultSrc: ["'none'"],
    styleSrc: ["'self'"],
    imgSrc: ["'self'"],
    formAction: ["'self'"],
    baseUri: ["'none'"],
    frameAncestors: ["'none'"],
  },
  referrerPolicy: "strict-origin-when-cross-origin",
  // Sites fetch the consent API cross-origin (CORS decides); CORP would only get in the way.
  crossOriginResourcePolicy: false,
  strictTransportSecurity: false,
  xFrameOptions: "DENY",
});

/** Staff pages, the sign-in page and staff JSON: same-origin everything, no script at all. */
const staffHeaders = secureHeaders({
  contentSecurityPolicy: {
    defaultSrc: ["'self'"],
    scriptSrc: ["'none'"],
    objectSrc: ["'none'"],
    formAction: ["'self'"],
    baseUri: ["'none'"],
    frameAncestors: ["'none'"],
  },
  referrerPolicy: "no-referrer",
  crossOriginResourcePolicy: "same-origin",
  strictTransportSecurity: false,
  xFrameOptions: "DENY",
});

/** Paths that belong to staff: `/staff…` (pages and sign-in) and `/api/staff…`. */
export function isStaffPath(pathname: string): boolean {
  return /^\/(?:api\/)?staff(?:[/-]|$)/.test(pathname);
}

export const securityHeaders = createMiddleware<AppEnv>(async (c, next) => {
  const url = new URL(c.req.url);
  await (isStaffPath(url.pathname) ? staffHeaders : siteHeaders)(c, next);
  if (url.protocol === "https:") c.header("Strict-Transport-Security", HSTS);
});
