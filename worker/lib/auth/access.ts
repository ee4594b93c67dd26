/**
 * @module
 * Verifies the Cloudflare Access JWT (`Cf-Access-Jwt-Assertion`) on every
 * staff request, even behind Access: a `workers.dev` URL bypasses Access, so
 * the worker checks the token itself (defence in depth). RS256 only (RFC 7518
 * §3.3), issuer and audience pinned, `exp`/`nbf` checked (RFC 7519 §4.1).
 * https://developers.cloudflare.com/cloudflare-one/identity/authorization-cookie/validating-json/
 */
import { createRemoteJWKSet, errors, jwtVerify } from "jose";

export interface AccessOptions {
  /** `<team>.cloudflareaccess.com`, with or without `https://`. */
  teamDomain: string | undefined;
  /** The Access application's audience (AUD) tag. */
  audience: string | undefined;
}

/** Why a JWT was not accepted: `config` fails closed as 403, the rest are 401. */
export type AccessFailure = "config" | "invalid" | "unavailable";

export type AccessResult = { ok: true; email: string } | { ok: false; reason: AccessFailure };

const TEAM_DOMAIN = /^(?:https:\/\/)?([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)\.cloudflareaccess\.com\/?$/i;

/** Leeway for clock skew between Access and this isolate. */
const CLOCK_TOLERANCE_SECONDS = 30;

/** The issuer URL for a team domain setting, or null if it is not one. */
export function accessIssuer(teamDomain: string | undefined): string | null {
  const match = TEAM_DOMAIN.exec((teamDomain ?? "").trim());
  return match ? `https://${match[1]?.toLowerCase()}.cloudflareaccess.com` : null;
}

/**
 * One key set per issuer per isolate: jose caches the fetched keys, refetches
 * on an unknown key id (at most every 30 s) and when they are 10 minutes old.
 */
const keySets = new Map<string, ReturnType<typeof createRemoteJWKSet>>();

function keySetFor(issuer: string) {
  let keySet = keySets.get(issuer);
  if (!keySet) {
    keySet = createRemoteJWKSet(new URL(`${issuer}/cdn-cgi/access/certs`));
    keySets.set(issuer, keySet);
  }
  return keySet;
}

export async function verifyAccessJwt(token: string, options: AccessOptions): Promise<AccessResult> {
  const issuer = accessIssuer(options.teamDomain);
  const audience = options.audience?.trim();
  if (!issuer || !audience) return { ok: false, reason: "config" };
  try {
    const { payload } = await jwtVerify(token, keySetFor(issuer), {
      issuer,
      audience,
      algorithms: ["RS256"],
      requiredClaims: ["exp"],
      clockTolerance: CLOCK_TOLERANCE_SECONDS,
    });
    // A staff member is the token's email. An Access service token (a script)
    // carries no email but its client id as common_name, recorded as such.
    if (typeof payload.email === "string" && payload.email !== "") return { ok: true, email: payload.email };
    if (typeof payload.common_name === "string" && payload.common_name !== "") {
      return { ok: true, email: `service-token:${payload.common_name}` };
    }
    return { ok: false, reason: "invalid" };
  } catch (error) {
    // The key set could not be fetched: not the caller's fault, but still no entry.
    if (
      error instanceof errors.JWKSTimeout ||
      error instanceof errors.JWKSInvalid ||
      !(error instanceof errors.JOSEError)
    ) {
      return { ok: false, reason: "unavailable" };
    }
    return { ok: false, reason: "invalid" };
  }
}
