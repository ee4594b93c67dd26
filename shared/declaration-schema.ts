/**
 * @module
 * The cookie declaration (`content/cookies.json`): per category, each
 * service and every cookie or storage item it sets. One schema checks it at
 * build, so a mistake fails the build with its path and never reaches a
 * visitor; the canonical JSON is part of the privacy revision; the widget
 * gets only the first-party cookie names, to delete on withdrawal. Not
 * imported by the widget (valibot stays out of its bundle).
 */
import * as v from "valibot";
import { CATEGORY_IDS, type CategoryId } from "./categories.ts";

/** Declared categories, in the order every page lists them: strictly necessary first. */
export const DECLARATION_CATEGORIES = ["necessary", ...CATEGORY_IDS] as const;

export type DeclarationCategory = (typeof DECLARATION_CATEGORIES)[number];

export const ITEM_KINDS = ["cookie", "localStorage", "sessionStorage", "indexedDB"] as const;

const TEXT = "must be a non-empty string";
/** A host name as a browser shows it: lower case, no scheme, port or leading dot. */
const HOST = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
const HOST_MESSAGE = "must be a host name such as doubleclick.net (lower case, no scheme or leading dot)";
/** RFC 6265 token characters, with `*` allowed only at the end, meaning "any name starting with". */
const COOKIE_NAME = /^[!#$%&'+\-.^_`|~0-9A-Za-z]+\*?$/;
const STORAGE_KEY = /^[^\s*]+\*?$/;

/** Valibot reports a missing key, an unknown key and a non-object all as the object's issue. */
function objectMessage(issue: v.StrictObjectIssue): string {
  if (issue.expected === "never") return "unknown key: check its spelling, or remove it";
  if (issue.expected?.startsWith('"')) return "is missing";
  return "must be an object";
}

const text = v.pipe(v.string(TEXT), v.regex(/\S/, TEXT));

const ItemSchema = v.pipe(
  v.strictObject(
    {
      name: text,
      kind: v.picklist(ITEM_KINDS, `must be one of ${ITEM_KINDS.join(", ")}`),
      party: v.picklist(["first", "third"], "must be first or third"),
      domain: v.optional(v.pipe(v.string(HOST_MESSAGE), v.regex(HOST, HOST_MESSAGE))),
      purpose: text,
      duration: text,
    },
    objectMessage,
  ),
  v.forward(
    v.check(
      (item) => (item.kind === "cookie" ? COOKIE_NAME : STORAGE_KEY).test(item.name),
      'must be a name, or a prefix ending in * (cookie names: no spaces or ()<>@,;:\\"/[]?={})',
    ),
    ["name"],
  ),
  v.forward(
    v.check(
      (item) => item.party === "first" || item.domain !== undefined,
      "is required when party is third: the domain that sets it, e.g. doubleclick.net",
    ),
    ["domain"],
  ),
  v.forward(
    v.check(
      (item) => item.party === "third" || item.domain === undefined,
      "only belongs to third-party items: remove it, a first-party item is the site's own",
    ),
    ["domain"],
  ),
);

const ServiceSchema = v.strictObject(
  {
    name: text,
    provider: text,
    privacyUrl: v.pipe(
      v.string(TEXT),
      v.regex(/^(?:https:\/\/[^\s/]+|\/(?!\/))\S*$/, "must be an https URL, or a path on this site starting with /"),
    ),
    hosts: v.optional(
      v.array(v.pipe(v.string(HOST_MESSAGE), v.regex(HOST, HOST_MESSAGE)), "must be a list of host names"),
    ),
    items: v.array(ItemSchema, "must be a list (empty when the service stores nothing)"),
  },
  objectMessage,
);

const CategorySchema = v.strictObject(
  { services: v.array(ServiceSchema, "must be a list (empty when the category has none)") },
  objectMessage,
);

export const DeclarationSchema = v.strictObject(
  {
    categories: v.strictObject(
      Object.fromEntries(DECLARATION_CATEGORIES.map((id) => [id, CategorySchema])) as Record<
        DeclarationCategory,
        typeof CategorySchema
      >,
      objectMessage,
    ),
  },
  objectMessage,
);

export type Declaration = v.InferOutput<typeof DeclarationSchema>;
export type DeclaredService = v.InferOutput<typeof ServiceSchema>;
export type DeclaredItem = v.InferOutput<typeof ItemSchema>;

/** `categories.analytics.services[0].items[2].duration`, as a reader finds it in the file. */
function pathOf(issue: v.BaseIssue<unknown>): string {
  return (issue.path ?? []).reduce(
    (path, step) => (typeof step.key === "number" ? `${path}[${step.key}]` : `${path}${path ? "." : ""}${step.key}`),
    "",
  );
}

/** One name of one kind declared twice would be deleted, or matched by the scanner, under the wrong purpose. */
function duplicates(declaration: Declaration): string[] {
  const seen = new Map<string, string>();
  const problems: string[] = [];
  for (const category of DECLARATION_CATEGORIES) {
    declaration.categories[category].services.forEach((service, s) => {
      service.items.forEach((item, i) => {
        const at = `categories.${category}.services[${s}].items[${i}]`;
        const key = `${item.kind} ${item.domain ?? ""} ${item.name}`;
        const first = seen.get(key);
        if (first) problems.push(`${at}.name: ${item.name} is declared already at ${first}`);
        else seen.set(key, at);
      });
    });
  }
  return problems;
}

export type DeclarationResult =
  | { declaration: Declaration; errors?: never }
  | { declaration?: never; errors: string[] };

/** Every problem in `input`, each as `path: what is wrong`, or the declaration when there is none. */
export function validateDeclaration(input: unknown): DeclarationResult {
  const result = v.safeParse(DeclarationSchema, input);
  if (!result.success) {
    return { errors: result.issues.map((issue) => `${pathOf(issue) || "(top level)"}: ${issue.message}`) };
  }
  const errors = duplicates(result.output);
  return errors.length ? { errors } : { declaration: result.output };
}

/**
 * The declaration's canonical JSON: keys in the schema's order, no
 * whitespace. Reformatting the file keeps the revision; any change to what
 * it says makes a new one. This is what `privacy_revisions.declaration` holds.
 */
export function canonicalDeclaration(declaration: Declaration): string {
  const categories = Object.fromEntries(
    DECLARATION_CATEGORIES.map((id) => [
      id,
      {
        services: declaration.categories[id].services.map((service) => ({
          name: service.name,
          provider: service.provider,
          privacyUrl: service.privacyUrl,
          ...(service.hosts ? { hosts: service.hosts } : {}),
          items: service.items.map((item) => ({
            name: item.name,
            kind: item.kind,
            party: item.party,
            ...(item.domain === undefined ? {} : { domain: item.domain }),
            purpose: item.purpose,
            duration: item.duration,
          })),
        })),
      },
    ]),
  );
  return JSON.stringify({ categories });
}

/**
 * Per optional category, the first-party cookie names (or `prefix*`) its
 * services set: what the widget deletes when the category is withdrawn.
 * Storage items and third-party cookies are out of a page's reach.
 */
export function firstPartyCookieNames(declaration: Declaration): Record<CategoryId, string[]> {
  return Object.fromEntries(
    CATEGORY_IDS.map((id) => [
      id,
      [
        ...new Set(
          declaration.categories[id].services.flatMap((service) =>
            service.items.filter((item) => item.kind === "cookie" && item.party === "first").map((item) => item.name),
          ),
        ),
      ],
    ]),
  ) as Record<CategoryId, string[]>;
}
