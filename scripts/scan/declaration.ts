/**
 * @module
 * The cookie declaration (`content/cookies.json`) as the scanner reads it: a
 * small local type of the shared format (`shared/declaration-schema.ts` holds
 * the full schema), a reader that says exactly what is wrong with a file, and
 * the matching of what a browser showed against declared names and hosts.
 */
import { existsSync, readFileSync } from "node:fs";
import { CATEGORY_IDS } from "../../shared/categories.ts";

export const DECLARATION_CATEGORIES = ["necessary", ...CATEGORY_IDS] as const;
export type DeclarationCategory = (typeof DECLARATION_CATEGORIES)[number];

const ITEM_KINDS = ["cookie", "localStorage", "sessionStorage", "indexedDB"] as const;
export type ItemKind = (typeof ITEM_KINDS)[number];

export interface DeclaredItem {
  /** Exact, or a prefix ending in `*` (`_ga_*`). */
  name: string;
  kind: ItemKind;
  party: "first" | "third";
  /** Where a third-party cookie lives. */
  domain?: string;
  purpose: string;
  duration: string;
}

export interface DeclaredService {
  name: string;
  provider: string;
  privacyUrl: string;
  items: DeclaredItem[];
  /** Third-party hosts the service's requests go to. */
  hosts?: string[];
}

export interface Declaration {
  categories: Partial<Record<DeclarationCategory, { services: DeclaredService[] }>>;
}

export class DeclarationError extends Error {}

/** Reads and checks a declaration file; a missing file is `null`, anything malformed throws `DeclarationError` naming where. */
export function readDeclaration(path: string): Declaration | null {
  if (!existsSync(path)) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw new DeclarationError(`${path} is not valid JSON: ${(error as Error).message}`);
  }
  const where = (at: string) => `${path}: ${at}`;
  if (!isObject(parsed) || !isObject(parsed.categories))
    throw new DeclarationError(where('needs a "categories" object'));
  for (const [category, entry] of Object.entries(parsed.categories)) {
    if (!(DECLARATION_CATEGORIES as readonly string[]).includes(category)) {
      throw new DeclarationError(where(`unknown category "${category}" (use ${DECLARATION_CATEGORIES.join(", ")})`));
    }
    if (!isObject(entry) || !Array.isArray(entry.services)) {
      throw new DeclarationError(where(`categories.${category} needs a "services" array`));
    }
    entry.services.forEach((service: unknown, s) => {
      const at = `categories.${category}.services[${s}]`;
      if (!isObject(service) || !Array.isArray(service.items))
        throw new DeclarationError(where(`${at} needs an "items" array`));
      if (service.hosts !== undefined && !isStringArray(service.hosts)) {
        throw new DeclarationError(where(`${at}.hosts must be a list of host names`));
      }
      service.items.forEach((item: unknown, i) => {
        if (!isObject(item) || typeof item.name !== "string" || !item.name) {
          throw new DeclarationError(where(`${at}.items[${i}] needs a "name"`));
        }
        if (!(ITEM_KINDS as readonly unknown[]).includes(item.kind)) {
          throw new DeclarationError(where(`${at}.items[${i}].kind must be one of ${ITEM_KINDS.join(", ")}`));
        }
        if (item.party !== "first" && item.party !== "third") {
          throw new DeclarationError(where(`${at}.items[${i}].party must be "first" or "third"`));
        }
      });
    });
  }
  return parsed as unknown as Declaration;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((entry) => typeof entry === "string");
}

/** A declared name matches exactly, or by prefix when it ends in `*` (the widget's own convention). */
export function nameMatches(pattern: string, name: string): boolean {
  return pattern.endsWith("*") ? name.startsWith(pattern.slice(0, -1)) : pattern === name;
}

/** `host` is `domain` or one of its subdomains (cookie domain-match, RFC 6265 §5.1.3); a leading dot or `*.` is ignored. */
export function domainMatches(domain: string, host: string): boolean {
  const bare = domain.replace(/^\*?\./, "").toLowerCase();
  const target = host.replace(/^\./, "").toLowerCase();
  return target === bare || target.endsWith(`.${bare}`);
}

/** One declared thing with where it sits, for matching and for "stale" reports. */
export interface DeclaredEntry {
  category: DeclarationCategory;
  service: string;
  /** An item, or a host of the service. */
  item: DeclaredItem | { kind: "host"; name: string };
}

export function declaredEntries(declaration: Declaration | null): DeclaredEntry[] {
  const entries: DeclaredEntry[] = [];
  for (const category of DECLARATION_CATEGORIES) {
    for (const service of declaration?.categories[category]?.services ?? []) {
      for (const item of service.items) entries.push({ category, service: service.name, item });
      for (const host of service.hosts ?? [])
        entries.push({ category, service: service.name, item: { kind: "host", name: host } });
    }
  }
  return entries;
}
