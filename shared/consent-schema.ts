/**
 * @module
 * The one schema for a consent event posted by the widget. The worker
 * validates every body with it; the widget imports only the inferred types,
 * so no validator code ships to visitors.
 */
import * as v from "valibot";
import { REVISION_PATTERN } from "./revision.ts";
import { BASES, type Basis, RULE_SETS } from "./rules.ts";

/** `object`: the visitor objected to categories under the UK exception (issue 14); the choices have them off. */
export const CONSENT_METHODS = ["accept_all", "reject_all", "custom", "withdraw", "object"] as const;
export type ConsentMethod = (typeof CONSENT_METHODS)[number];

/** Where the choice was made: the banner, the preferences dialog, a click-to-load placeholder, or the JavaScript API. */
export const CONSENT_SOURCES = ["banner", "dialog", "placeholder", "api"] as const;
export type ConsentSource = (typeof CONSENT_SOURCES)[number];

/** Longest URL the log keeps (page and privacy statement alike). */
export const URL_LIMIT = 2048;

/** RFC 9562 UUID, version 4, lower or upper case hex. */
export const UUID_V4_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;

/** BCP 47 language tag, loosely: letters, digits and hyphens (RFC 5646). */
const LANGUAGE_PATTERN = /^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$/;

const uuidV4 = (what: string) =>
  v.pipe(v.string(`${what} must be a string`), v.regex(UUID_V4_PATTERN, `${what} must be a UUID v4`));

const httpUrl = (field: string) =>
  v.pipe(
    v.string(`${field} must be a string`),
    v.maxLength(URL_LIMIT, `${field} must be at most ${URL_LIMIT} characters`),
    v.url(`${field} must be an absolute URL`),
    v.check((value) => /^https?:/i.test(value), `${field} must be an http or https URL`),
  );

const grant = (category: string) => v.boolean(`choices.${category} must be true or false`);

export const ChoicesSchema = v.strictObject(
  {
    analytics: grant("analytics"),
    functionality: grant("functionality"),
    targeting: grant("targeting"),
  },
  "choices must hold exactly analytics, functionality and targeting",
);

const basisOf = (category: string) => v.picklist(BASES, `basis.${category} must be one of ${BASES.join(", ")}`);

/** Why each category is on or off (shared/rules.ts `Basis`); targeting is never under an exception. */
export const BasisSchema = v.strictObject(
  {
    analytics: basisOf("analytics"),
    functionality: basisOf("functionality"),
    targeting: v.literal("consent", "basis.targeting must be consent: targeting is never under an exception"),
  },
  "basis must hold exactly analytics, functionality and targeting",
);

const EEA_ONLY_CONSENT = (category: string) =>
  `basis.${category} must be consent under the eea rule set: no category is under an exception there`;
const MATCHES_BASIS = (category: string) =>
  `choices.${category} must be true for exception-not-objected and false for objected`;

/** A category on under the exception was not objected to; one objected to is off. */
function basisMatches(granted: boolean, basis: Basis | undefined): boolean {
  return (basis !== "exception-not-objected" || granted) && (basis !== "objected" || !granted);
}

export const ConsentEventSchema = v.pipe(
  v.strictObject(
    {
      eventId: uuidV4("eventId"),
      consentId: uuidV4("consentId"),
      method: v.picklist(CONSENT_METHODS, `method must be one of ${CONSENT_METHODS.join(", ")}`),
      choices: ChoicesSchema,
      revision: v.pipe(
        v.string("revision must be a string"),
        v.regex(REVISION_PATTERN, "revision must be 16 lowercase hex characters"),
      ),
      pageUrl: httpUrl("pageUrl"),
      language: v.pipe(
        v.string("language must be a string"),
        v.maxLength(35, "language must be at most 35 characters"),
        v.regex(LANGUAGE_PATTERN, "language must be a BCP 47 language tag"),
      ),
      gpc: v.boolean("gpc must be true or false"),
      widgetVersion: v.pipe(
        v.string("widgetVersion must be a string"),
        v.regex(/^[0-9A-Za-z.+-]{1,32}$/, "widgetVersion must be 1 to 32 characters of [0-9A-Za-z.+-]"),
      ),
      /** SHA-256 of the texts actually shown, when the site overrode the defaults. */
      textsHash: v.optional(
        v.pipe(
          v.string("textsHash must be a string"),
          v.regex(/^[0-9a-f]{64}$/, "textsHash must be 64 lowercase hex characters"),
        ),
      ),
      // Issue 13's three fields are optional: a cached older widget sends none of them (stored as NULL, "not recorded").
      source: v.optional(v.picklist(CONSENT_SOURCES, `source must be one of ${CONSENT_SOURCES.join(", ")}`)),
      /** Whether a real user action made the choice (the event's isTrusted; for the API, navigator.userActivation). */
      trusted: v.optional(v.boolean("trusted must be true or false")),
      /** The site's own privacy-statement URL the banner linked to; absent when it linked this service's /privacy. */
      privacyUrl: v.optional(httpUrl("privacyUrl")),
      // Issue 14's two fields: optional, since an older widget sends neither; together or not at all.
      /** The rule set the widget applied (`GET /api/rules`). */
      ruleSet: v.optional(v.picklist(RULE_SETS, `ruleSet must be one of ${RULE_SETS.join(", ")}`)),
      /** Per category: consent, or on/off under the UK exception. */
      basis: v.optional(BasisSchema),
    },
    (issue) => (issue.expected === "never" ? `unknown field ${String(issue.received)}` : "body must be a JSON object"),
  ),
  v.forward(
    v.check(
      ({ method, choices }) =>
        (method !== "accept_all" || (choices.analytics && choices.functionality && choices.targeting)) &&
        (method !== "reject_all" || (!choices.analytics && !choices.functionality && !choices.targeting)),
      "choices must all be true for accept_all and all false for reject_all",
    ),
    ["choices"],
  ),
  // GDPR Art. 7(3): a withdrawal turns off at least one category; one granting all would contradict itself.
  v.forward(
    v.check(
      ({ method, choices }) =>
        method !== "withdraw" || !(choices.analytics && choices.functionality && choices.targeting),
      "choices must turn off at least one category for withdraw",
    ),
    ["choices"],
  ),

  v.forward(
    v.check(
      ({ ruleSet, basis }) => basis === undefined || ruleSet !== undefined,
      "basis needs the ruleSet it was decided under",
    ),
    ["ruleSet"],
  ),
  v.forward(
    v.check(
      ({ ruleSet, basis }) => ruleSet === undefined || basis !== undefined,
      "ruleSet needs the basis of each category",
    ),
    ["basis"],
  ),
  // Under eea every category is opt-in: no exception basis. Under uk, which categories the
  // exception covers is the site's setting, checked by the worker (worker/routes/consent.ts).
  v.forward(
    v.check(({ ruleSet, basis }) => ruleSet !== "eea" || basis?.analytics === "consent", EEA_ONLY_CONSENT("analytics")),
    ["basis", "analytics"],
  ),
  v.forward(
    v.check(
      ({ ruleSet, basis }) => ruleSet !== "eea" || basis?.functionality === "consent",
      EEA_ONLY_CONSENT("functionality"),
    ),
    ["basis", "functionality"],
  ),
  // On under the exception means not objected; objected means off.
  v.forward(
    v.check(({ choices, basis }) => basisMatches(choices.analytics, basis?.analytics), MATCHES_BASIS("analytics")),
    ["choices", "analytics"],
  ),
  v.forward(
    v.check(
      ({ choices, basis }) => basisMatches(choices.functionality, basis?.functionality),
      MATCHES_BASIS("functionality"),
    ),
    ["choices", "functionality"],
  ),
  v.forward(
    v.check(
      ({ method, basis }) =>
        method !== "object" || Object.values(basis ?? {}).some((categoryBasis) => categoryBasis === "objected"),
      "object needs a basis with at least one category objected",
    ),
    ["basis"],
  ),
);

export type ConsentEvent = v.InferOutput<typeof ConsentEventSchema>;
