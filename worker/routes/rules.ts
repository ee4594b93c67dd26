/**
 * @module
 * `GET /api/rules`: the region, rule set and exception categories that apply
 * to the visitor asking (issue 14). Only the region leaves the worker, never
 * the country (data minimisation). The site must be in `ALLOWED_ORIGINS`,
 * as for the consent API; a request without an `Origin` header is a
 * same-origin page (browsers send none on a same-origin GET) or no browser
 * at all, which CORS does not concern.
 */
import { Hono } from "hono";
import { ApiError } from "../lib/errors.ts";
import { isAllowedOrigin } from "../lib/origins.ts";
import { rulesOfRequest } from "../lib/rules.ts";
import { consentCors } from "../middleware/consent-cors.ts";
import type { AppEnv } from "../types.ts";

const rules = new Hono<AppEnv>();

rules.use("*", consentCors);

rules.get("/", (c) => {
  const origin = c.req.header("Origin");
  // Not counted as a refused origin (the consent post counts it): this runs on page views, not choices.
  if (origin !== undefined && !isAllowedOrigin(origin, c.env.ALLOWED_ORIGINS)) {
    throw new ApiError(
      403,
      "forbidden_origin",
      `origin ${origin} may not read the rules; add it to ALLOWED_ORIGINS of the consent worker`,
      "Origin",
    );
  }
  // Per visitor: no shared cache may hand one visitor's region to another.
  c.header("Cache-Control", "private, no-store");
  return c.json(rulesOfRequest(c.req.raw, c.env));
});

rules.all("/", (c) => {
  throw new ApiError(405, "method_not_allowed", `${c.req.method} is not allowed here; use GET, OPTIONS`, undefined, {
    Allow: "GET, OPTIONS",
  });
});

export default rules;
