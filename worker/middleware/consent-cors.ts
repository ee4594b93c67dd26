/**
 * @module
 * CORS for the consent API (and the texts the widget sends beside it). Allowed site origins get full CORS, preflights
 * included. Any origin may read an error answer (Fetch standard, CORS
 * protocol): otherwise a browser turns a refusal into an opaque network
 * error, and the widget cannot tell "fix ALLOWED_ORIGINS" from "offline". An
 * error body holds no personal data, and the widget posts with
 * `credentials: "omit"`, so `*` is enough and needs no `Vary`.
 */

import { cors } from "hono/cors";
import { createMiddleware } from "hono/factory";
import { isAllowedOrigin } from "../lib/origins.ts";
import type { AppEnv } from "../types.ts";

/** The widget reads Retry-After (429, 503) to time its retry. */
const EXPOSED_HEADERS = ["Retry-After"];

const allowedOriginCors = cors({
  origin: (origin, c) => (isAllowedOrigin(origin, c.env.ALLOWED_ORIGINS) ? origin : null),
  allowMethods: ["GET", "POST", "PUT", "OPTIONS"],
  allowHeaders: ["Content-Type"],
  exposeHeaders: EXPOSED_HEADERS,
  maxAge: 86400,
});

export const consentCors = createMiddleware<AppEnv>(async (c, next) => {
  const preflight = await allowedOriginCors(c, next);
  if (preflight) return preflight;
  const { headers, status } = c.res;
  if (status >= 400 && c.req.header("Origin") && !headers.has("Access-Control-Allow-Origin")) {
    headers.set("Access-Control-Allow-Origin", "*");
    headers.set("Access-Control-Expose-Headers", EXPOSED_HEADERS.join(","));
  }
});
