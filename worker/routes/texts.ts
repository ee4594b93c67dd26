/**
 * @module
 * `PUT /api/texts/:hash`: the banner texts a site showed instead of the
 * defaults, sent by the widget once, after a consent answer said
 * `textsWanted`. Stored once per hash, and only for a hash some consent
 * event refers to, so the log can show exactly what each visitor read
 * (COMPLIANCE.md item 13) and nobody can fill it with texts no visitor saw.
 * Same rate limit, origin check and CORS as the consent post.
 */
import { Hono } from "hono";
import * as v from "valibot";
import { TEXTS_BODY_LIMIT, type TextsStored } from "../../shared/api.ts";
import { sha256Hex } from "../../shared/revision.ts";
import { TextSetSchema, textSetSource } from "../../shared/text-set-schema.ts";
import { storeTextSet } from "../db/text-sets.ts";
import { dbCall } from "../lib/db-call.ts";
import { ApiError } from "../lib/errors.ts";
import { allowedOrigin } from "../middleware/allowed-origin.ts";
import { consentCors } from "../middleware/consent-cors.ts";
import { consentRateLimit } from "../middleware/consent-rate-limit.ts";
import { jsonBody } from "../middleware/json-body.ts";
import type { AppEnv } from "../types.ts";

const HASH_PATTERN = /^[0-9a-f]{64}$/;

const UTF8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

const texts = new Hono<AppEnv>();

texts.use("*", consentCors);

function parseTextSet(bytes: ArrayBuffer) {
  let json: unknown;
  try {
    json = JSON.parse(UTF8.decode(bytes));
  } catch {
    throw new ApiError(400, "invalid_json", "body is not valid UTF-8 JSON");
  }
  const result = v.safeParse(TextSetSchema, json, { abortEarly: true });
  if (!result.success) {
    const issue = result.issues[0];
    throw new ApiError(400, "invalid_body", issue.message, v.getDotPath(issue) ?? undefined);
  }
  return result.output;
}

texts.put("/:hash", consentRateLimit, allowedOrigin, jsonBody(TEXTS_BODY_LIMIT), async (c) => {
  const hash = c.req.param("hash");
  if (!HASH_PATTERN.test(hash)) {
    throw new ApiError(400, "bad_request", "the path must end in the texts' SHA-256, 64 lowercase hex", "hash");
  }
  // Hashed as the widget hashes them, over the validated object: key order is the schema's.
  const source = textSetSource(parseTextSet(await c.req.arrayBuffer()));
  const computed = await sha256Hex(source);
  if (computed !== hash) {
    throw new ApiError(400, "invalid_body", `body hashes to ${computed}, not ${hash}`, "hash");
  }
  const outcome = await dbCall(() => storeTextSet(c.env.DB, hash, source, new Date().toISOString()));
  if (outcome === "unreferenced") {
    throw new ApiError(404, "not_found", `no consent event refers to texts ${hash}`, "hash");
  }
  return c.json<TextsStored>({ stored: outcome === "stored" }, outcome === "stored" ? 201 : 200);
});

texts.all("/:hash", (c) => {
  throw new ApiError(405, "method_not_allowed", `${c.req.method} is not allowed here; use PUT`, undefined, {
    Allow: "PUT, OPTIONS",
  });
});

export default texts;
