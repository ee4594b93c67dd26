/**
 * @module
 * Only sites in `ALLOWED_ORIGINS` may post consents. A browser sends a
 * text/plain POST without a preflight, so this check, not CORS, is what
 * refuses other sites. A refused site origin is a configuration error to
 * fix (usually www against the bare domain), so it is logged and counted per
 * day for the staff statistics: an origin names a site, not a person, and
 * nothing else of the request (no IP, path or body) is kept.
 */
import { createMiddleware } from "hono/factory";
import { countRefusedOrigin } from "../db/refused-origins.ts";
import { ApiError } from "../lib/errors.ts";
import { isAllowedOrigin, isSerializedOrigin } from "../lib/origins.ts";
import type { AppEnv } from "../types.ts";

export const allowedOrigin = createMiddleware<AppEnv>(async (c, next) => {
  const origin = c.req.header("Origin");
  if (isAllowedOrigin(origin, c.env.ALLOWED_ORIGINS)) return next();
  if (!origin) throw new ApiError(403, "forbidden_origin", "an Origin header is required", "Origin");
  // Only what a browser sends as a site's origin is counted: "null" or junk names no site to allow.
  if (isSerializedOrigin(origin)) {
    console.warn(`consent post refused: origin ${origin} is not in ALLOWED_ORIGINS`);
    try {
      await countRefusedOrigin(c.env.DB, origin, new Date());
    } catch (cause) {
      // The count is a diagnostic: its failure must not turn a clear 403 into a 503.
      console.error(`refused-origin count failed: ${cause instanceof Error ? cause.name : "unknown error"}`);
    }
  }
  throw new ApiError(
    403,
    "forbidden_origin",
    `origin ${origin} may not post consents; add it to ALLOWED_ORIGINS of the consent worker`,
    "Origin",
  );
});
