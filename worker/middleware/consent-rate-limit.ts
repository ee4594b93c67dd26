/**
 * @module
 * Abuse damping for `POST /api/consent` and `PUT /api/texts`: the `CONSENT_RATE_LIMITER` binding,
 * keyed on the visitor's IP prefix, never the raw IP (which goes no further
 * than this module; routes read `ipPrefix`). Mounted first, before the
 * origin check, because a refused origin is written to D1 too
 * (`worker/middleware/allowed-origin.ts`): every write a client can cause,
 * refusals included, is behind the limit.
 */
import { createMiddleware } from "hono/factory";
import { ApiError } from "../lib/errors.ts";
import { ipPrefix } from "../lib/ip-prefix.ts";
import type { AppEnv } from "../types.ts";

/** The limiter's period (`simple.period` in wrangler.toml), so a limited client knows when to retry. */
const RATE_LIMIT_PERIOD_SECONDS = 60;

export const consentRateLimit = createMiddleware<AppEnv>(async (c, next) => {
  const prefix = ipPrefix(c.req.header("CF-Connecting-IP"));
  c.set("ipPrefix", prefix);
  const { success } = await c.env.CONSENT_RATE_LIMITER.limit({ key: prefix ?? "unknown" });
  if (!success) {
    throw new ApiError(429, "rate_limited", "too many consent posts; retry in a minute", undefined, {
      "Retry-After": String(RATE_LIMIT_PERIOD_SECONDS),
    });
  }
  await next();
});
