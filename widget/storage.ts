/**
 * @module
 * Cookies: the first-party consent cookie, and deleting the cookies of a
 * withdrawn category. Every call is guarded: a browser that blocks cookies
 * gets "no consent", never an exception in the host page.
 */

/** The consent cookie's name (first party, strictly necessary). */
export const CONSENT_COOKIE = "opencontact_consent";

/** localStorage key of the latest consent receipt (strictly necessary, content/cookies.json). */
export const RECEIPT_KEY = "opencontact_consent_receipt";

export interface CookieOptions {
  /** `Domain` attribute, to share the choice across subdomains. */
  domain?: string | undefined;
  maxAgeDays: number;
}

function secure(): string {
  return location.protocol === "https:" ? "; Secure" : "";
}

/** `document.cookie` as name/value pairs; a browser that blocks cookies has none. */
function jar(): string[][] {
  try {
    return document.cookie.split(/; */).map((pair) => {
      const index = pair.indexOf("=");
      return [pair.slice(0, index), pair.slice(index + 1)];
    });
  } catch {
    return [];
  }
}

function setCookie(value: string): void {
  try {
    // biome-ignore lint/suspicious/noDocumentCookie: the Cookie Store API is async and missing from Firefox and older Safari
    document.cookie = value;
  } catch {
    // Cookies blocked (sandboxed frame, privacy settings): nothing to store.
  }
}

export function readCookie(name: string): string | undefined {
  return jar().find((pair) => pair[0] === name)?.[1];
}

/**
 * Every value of a cookie name the page sees: one per domain it was set on
 * (host-only and `Domain=`), in an order that says nothing about which is newer.
 */
export function readCookies(name: string): string[] {
  return jar()
    .filter((pair) => pair[0] === name)
    .map((pair) => pair[1] as string);
}

/** Warned already on this page: a misconfigured site hears about it once. */
/**
 * Replaces every consent cookie the page can reach with this one value, so
 * an older cookie on another domain cannot outlive the visitor's latest
 * choice. When the browser refuses `options.domain` (not a parent of this
 * host, or a public suffix: RFC 6265 §5.3 step 6), the choice is kept as a
 * host-only cookie and this returns true, so the caller can tell the site.
 * RFC 6265bis: `SameSite=Lax` keeps the cookie first-party; `Secure` whenever the page is https.
 */
export function writeConsentCookie(value: string, options: CookieOptions): boolean {
  clearConsentCookie(options.domain);
  const kept = (domain?: string) => {
    setCookie(
      `${CONSENT_COOKIE}=${value}; Path=/; Max-Age=${Math.round(options.maxAgeDays * 86_400)}; SameSite=Lax${domain ? `; Domain=${domain}` : ""}${secure()}`,
    );
    return readCookies(CONSENT_COOKIE).includes(value);
  };
  // A browser that blocks every cookie refuses the host-only one too: that is the visitor's setting, not the site's.
  return !kept(options.domain) && !!options.domain && kept();
}

/** The host itself (host-only cookie), every parent domain, and the configured domain. */
function domainsToClear(cookieDomain: string | undefined): (string | null)[] {
  const domains: (string | null)[] = [null];
  const labels = location.hostname.split(".");
  for (let i = 0; i < labels.length - 1; i++) domains.push(labels.slice(i).join("."));
  if (cookieDomain) domains.push(cookieDomain);
  return domains;
}

/** RFC 6265 §5.2.2: a Max-Age of zero or less expires the cookie at once. */
function expire(name: string, cookieDomain: string | undefined): void {
  for (const domain of domainsToClear(cookieDomain)) {
    setCookie(`${name}=; Path=/; Max-Age=-1${domain ? `; Domain=${domain}` : ""}${secure()}`);
  }
}

export function clearConsentCookie(cookieDomain: string | undefined): void {
  expire(CONSENT_COOKIE, cookieDomain);
}

/** A name (`_gid`) or a prefix ending in `*` (`_ga_*`). */
export function cookiePatternMatches(pattern: string, name: string): boolean {
  return pattern.endsWith("*") ? name.startsWith(pattern.slice(0, -1)) : name === pattern;
}

/**
 * Deletes every cookie whose name matches one of the patterns, on the host
 * and on the cookie domain (analytics tags usually set theirs on the
 * registrable domain). Returns the names it deleted.
 */
export function deleteCookies(patterns: readonly string[], cookieDomain: string | undefined): string[] {
  const deleted = jar()
    .map((pair) => pair[0] as string)
    .filter((name) => name !== CONSENT_COOKIE && patterns.some((pattern) => cookiePatternMatches(pattern, name)));
  for (const name of deleted) expire(name, cookieDomain);
  return deleted;
}
