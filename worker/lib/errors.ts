/**
 * @module
 * One error path: routes throw `ApiError`; `onError` shapes every failure into
 * the JSON envelope from `shared/api.ts`. Unexpected errors become a 500 that
 * names no internals (no stack, no SQL), and their log line holds no request
 * data, so no personal data reaches the logs.
 */
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { ErrorBody, ErrorCode } from "../../shared/api.ts";

export class ApiError extends HTTPException {
  constructor(
    status: ContentfulStatusCode,
    readonly code: ErrorCode,
    message: string,
    readonly field?: string,
    readonly headers?: Record<string, string>,
  ) {
    super(status, { message });
  }
}

/** D1 is unreachable or failed: the client should retry (RFC 9110 §10.2.3). */
export const RETRY_AFTER_SECONDS = 5;

export function unavailable(): ApiError {
  return new ApiError(503, "unavailable", "the consent log is temporarily unavailable; retry later", undefined, {
    "Retry-After": String(RETRY_AFTER_SECONDS),
  });
}

export function errorBody(code: ErrorCode, message: string, field?: string): ErrorBody {
  return { error: field === undefined ? { code, message } : { code, message, field } };
}

export function handleError(err: Error, c: Context): Response {
  if (err instanceof ApiError) {
    return c.json(errorBody(err.code, err.message, err.field), err.status, err.headers);
  }
  if (err instanceof HTTPException) {
    const code: ErrorCode = err.status === 413 ? "payload_too_large" : err.status < 500 ? "bad_request" : "internal";
    return c.json(errorBody(code, err.message || "request failed"), err.status);
  }
  console.error(`unhandled ${err.name} on ${c.req.method} ${c.req.routePath}`);
  return c.json(errorBody("internal", "internal error"), 500);
}

export function handleNotFound(c: Context): Response {
  return c.json(errorBody("not_found", `no route for ${c.req.method} ${new URL(c.req.url).pathname}`), 404);
}
