/**
 * @module
 * The allow-list of site origins that may post consents (`ALLOWED_ORIGINS`).
 * Origins compare exactly as browsers serialise them (RFC 6454 §6.2).
 */

/** Parses the comma-separated var into normalised origins. */
export function allowedOrigins(setting: string | undefined): Set<string> {
  const origins = new Set<string>();
  for (const entry of (setting ?? "").split(",")) {
    const trimmed = entry.trim();
    if (!trimmed) continue;
    try {
      origins.add(new URL(trimmed).origin);
    } catch {
      // A malformed entry allows nothing rather than failing every request.
    }
  }
  return origins;
}

/** Longer than any real origin (a host name is at most 253 characters). */
const ORIGIN_LIMIT = 300;

/** True for an origin as a browser serialises it in the `Origin` header, e.g. `https://www.example.com`. */
export function isSerializedOrigin(value: string): boolean {
  if (value.length > ORIGIN_LIMIT) return false;
  try {
    return new URL(value).origin === value;
  } catch {
    return false;
  }
}

export function isAllowedOrigin(origin: string | undefined, setting: string | undefined): origin is string {
  return origin !== undefined && allowedOrigins(setting).has(origin);
}
