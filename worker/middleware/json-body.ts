/**
 * @module
 * The body rules every visitor-facing write shares (`POST /api/consent`,
 * `PUT /api/texts/:hash`): at most `maxSize` bytes (413), and sent as JSON
 * or as text/plain (415 otherwise), because `sendBeacon` and keepalive
 * fetches send text/plain to avoid a preflight. The route then parses the
 * bytes with its own schema.
 */
import { bodyLimit } from "hono/body-limit";
import { every } from "hono/combine";
import { createMiddleware } from "hono/factory";
import { ApiError } from "../lib/errors.ts";
import type { AppEnv } from "../types.ts";

const ACCEPTED_MEDIA_TYPES = new Set(["application/json", "text/plain"]);

const acceptedMediaType = createMiddleware<AppEnv>(async (c, next) => {
  const mediaType = (c.req.header("Content-Type") ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
  if (!ACCEPTED_MEDIA_TYPES.has(mediaType)) {
    throw new ApiError(
      415,
      "unsupported_media_type",
      "Content-Type must be application/json or text/plain",
      "Content-Type",
    );
  }
  await next();
});

export function jsonBody(maxSize: number) {
  return every(
    bodyLimit({
      maxSize,
      onError: () => {
        throw new ApiError(413, "payload_too_large", `body must be at most ${maxSize} bytes`);
      },
    }),
    acceptedMediaType,
  );
}
