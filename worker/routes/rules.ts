/**
 * @module
 * `GET /api/rules`: the region, rule set and exception categories that apply
 * to the visitor asking (issue 14). Only the region leaves the worker, never
 * the country (data minimisation). The site must be in `ALLOWED_ORIGINS`,
 * as for the consent API; a request without an `Origin` header is a
 * same-origin page (browsers send none on a same-origin GET) or no browser
 * at all, which CORS does not concern.
 */
import { type Context, Hono } from "hono";
import type { RulesAnswer } from "../../shared/rules.ts";
import { CURRENT, CURRENT_CACHE, revisionCacheHeaders } from "../lib/current-revision.ts";
import { ApiError } from "../lib/errors.ts";
import { isAllowedOrigin } from "../lib/origins.ts";
import { requestCountry, rulesFor, rulesSettings } from "../lib/rules.ts";
import { consentCors } from "../middleware/consent-cors.ts";
import type { AppEnv } from "../types.ts";

const rules = new Hono<AppEnv>();

rules.use("*", consentCors);

/** The answer for this request: the same lookup stores the region with every event. */
export function rulesOfRequest(request: Request, env: Env): RulesAnswer {
  return rulesFor(requestCountry(request, env.DEV_FORCE_COUNTRY), rulesSettings(env));
}

/** A current page that may vary by reader: no shared cache may keep it then. */
const PER_READER_CACHE = CURRENT_CACHE.replace("public", "private");

/**
 * For a current page (`/privacy`, `/cookies`): the reader's rules when the site uses the UK
 * exception (the page then says which applies, and is cached per reader, its ETag naming the rule
 * set), and the cache headers, or the 304 to answer with.
 */
export function currentPageRules(c: Context<AppEnv>): { rules?: RulesAnswer; notModified: Response | null } {
  const rules = rulesSettings(c.env).ukException.length > 0 ? rulesOfRequest(c.req.raw, c.env) : undefined;
  const notModified = rules
    ? revisionCacheHeaders(c, `${CURRENT.revision}-${rules.ruleSet}`, PER_READER_CACHE)
    : revisionCacheHeaders(c, CURRENT.revision, CURRENT_CACHE);
  return { rules, notModified };
}

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
