/**
 * @module
 * Failed credential checks are counted (OWASP ASVS 2.2.1, 7.2.1): every wrong
 * staff token, by `Authorization` header or the sign-in form, is an audit row
 * (`auth_failure`: the registered name tried or `(unknown)`, the kind of
 * credential and the IP prefix, never the secret), and too many recent ones
 * for a token name or an IP prefix refuse further checks with a 429 until
 * they age out, before any token is compared.
 *
 * Why D1 and not a rate-limit binding: a binding counts every call, the good
 * token's included, and cannot be read without counting; counting only
 * failures with it would answer a right guess 200 and a wrong one 429, an
 * oracle at full speed. Its counts are also per Cloudflare location, so a
 * per-name limit would not hold across the world. The failures are written
 * to the audit anyway; counting them is one indexed read per credential check.
 */
import type { Context } from "hono";
import { countAuthFailures, insertAuditStatement } from "../../db/staff-audit.ts";
import type { AppEnv } from "../../types.ts";
import { dbCall } from "../db-call.ts";
import { ApiError } from "../errors.ts";
import { ipPrefix } from "../ip-prefix.ts";

/** Failures age out after this long. */
export const FAILURE_WINDOW_MS = 15 * 60 * 1000;
/** A token name under attack refuses checks after this many failures in the window. */
export const MAX_FAILURES_PER_NAME = 10;
/** An office behind one NAT may mistype more often than one person. */
export const MAX_FAILURES_PER_IP_PREFIX = 20;
/** The actor of a failure with a name nobody holds: typed names may be secrets pasted in the wrong box. */
export const UNKNOWN_NAME = "(unknown)";

export type CredentialKind = "basic" | "bearer" | "form" | "malformed";

function clientPrefix(c: Context<AppEnv>): string | null {
  return ipPrefix(c.req.header("CF-Connecting-IP"));
}

/**
 * Throws 429 with `Retry-After` when `name` (a registered token name, or null)
 * or the client's IP prefix has too many recent failures.
 */
export async function refuseWhenLimited(c: Context<AppEnv>, name: string | null): Promise<void> {
  const now = Date.now();
  const since = new Date(now - FAILURE_WINDOW_MS).toISOString();
  const counts = await dbCall(() => countAuthFailures(c.env.DB, since, name ?? UNKNOWN_NAME, clientPrefix(c)));
  const oldest =
    name !== null && counts.byActor >= MAX_FAILURES_PER_NAME
      ? counts.oldestByActor
      : counts.byIpPrefix >= MAX_FAILURES_PER_IP_PREFIX
        ? counts.oldestByIpPrefix
        : undefined;
  if (oldest === undefined) return;
  const seconds = Math.max(1, Math.ceil((Date.parse(oldest ?? "") + FAILURE_WINDOW_MS - now) / 1000) || 1);
  throw new ApiError(429, "rate_limited", `too many failed sign-ins; retry in ${seconds} seconds`, undefined, {
    "Retry-After": String(seconds),
  });
}

/** Writes the failure to the audit; a database failure is logged, the answer stays 401. */
export async function recordFailure(c: Context<AppEnv>, name: string | null, kind: CredentialKind): Promise<void> {
  try {
    await insertAuditStatement(c.env.DB, {
      at: new Date().toISOString(),
      actor: name ?? UNKNOWN_NAME,
      via: "token",
      action: "auth_failure",
      query: JSON.stringify({ credential: kind, ipPrefix: clientPrefix(c) }),
      rowCount: null,
    }).run();
  } catch {
    console.error("could not audit a failed staff sign-in");
  }
}
