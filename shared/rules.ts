/**
 * @module
 * Rules by region (issue 14; COMPLIANCE.md item 9): which law a visitor's
 * choice falls under, and on what basis each category is on or off. The
 * worker decides the region and rule set (`GET /api/rules`); the widget
 * follows them and posts the rule set and the basis with each event.
 */
import type { CategoryId } from "./categories.ts";

export const RULES_PATH = "/api/rules";

/** Where the visitor is, as coarse as the rules need: never the country itself. */
export const REGIONS = ["eea", "uk", "other"] as const;
export type Region = (typeof REGIONS)[number];

/** `eea`: opt-in for every optional category. `uk`: PECR Schedule A1, inform and object for the exception's categories. */
export const RULE_SETS = ["eea", "uk"] as const;
export type RuleSet = (typeof RULE_SETS)[number];

/** The categories the UK exception may cover; targeting never is (ICO: nothing for advertising). */
export const EXCEPTION_CATEGORIES = ["analytics", "functionality"] as const satisfies readonly CategoryId[];
export type ExceptionCategory = (typeof EXCEPTION_CATEGORIES)[number];

/**
 * Why a category is on or off: the visitor's `consent` (given or not, as the
 * choices say), or under the exception, on because the visitor was informed
 * and did not object, or off because they `objected`.
 */
export const BASES = ["consent", "exception-not-objected", "objected"] as const;
export type Basis = (typeof BASES)[number];

/** Each optional category's basis, in category order (the stored JSON's order); targeting is always consent. */
export interface CategoryBases {
  analytics: Basis;
  functionality: Basis;
  targeting: "consent";
}

/** `GET /api/rules`: what the widget must apply to this visitor. */
export interface RulesAnswer {
  region: Region;
  ruleSet: RuleSet;
  /** The categories under the exception for this rule set: [] under `eea`. */
  exceptions: ExceptionCategory[];
}
