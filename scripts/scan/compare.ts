/**
 * @module
 * Compares what each state showed with the declaration: violations (anything
 * beyond strictly necessary before a choice or after Reject all, or of a
 * category the state did not grant), undeclared items (with the state that
 * first produced them) and stale entries (declared, never seen).
 */

import type { CrawlResult } from "./crawl.ts";
import {
  type Declaration,
  type DeclarationCategory,
  type DeclaredEntry,
  declaredEntries,
  domainMatches,
  nameMatches,
} from "./declaration.ts";
import { itemKey, type SeenItem } from "./observe.ts";
import type { StateId } from "./states.ts";

/** One thing seen, across all states. */
export interface ItemSummary extends SeenItem {
  /** The categories it is declared under; empty when undeclared. */
  declaredAs: DeclarationCategory[];
  /** A request to the widget's own consent host: strictly necessary without a declaration. */
  consentHost?: true;
  firstState: StateId;
  states: StateId[];
}

export interface Violation {
  state: StateId;
  item: ItemSummary;
  /** Where in that state it first appeared. */
  page: string;
  reason: string;
}

export interface Stale {
  category: DeclarationCategory;
  service: string;
  kind: DeclaredEntry["item"]["kind"];
  name: string;
}

export interface Comparison {
  items: ItemSummary[];
  violations: Violation[];
  undeclared: ItemSummary[];
  stale: Stale[];
}

export function compare(crawl: CrawlResult, declaration: Declaration | null): Comparison {
  const entries = declaredEntries(declaration);
  const matched = new Set<DeclaredEntry>();
  const items = new Map<string, ItemSummary>();
  const violations: Violation[] = [];

  for (const { state, items: seen } of crawl.states) {
    for (const item of seen) {
      const key = itemKey(item);
      let summary = items.get(key);
      if (!summary) {
        const matches = entries.filter((entry) => declares(entry, item));
        for (const entry of matches) matched.add(entry);
        const consentHost = item.kind === "host" && crawl.consentHosts.includes(item.name);
        const declaredAs = consentHost ? ["necessary" as const] : [...new Set(matches.map((entry) => entry.category))];
        summary = { ...item, declaredAs, firstState: state.id, states: [] };
        if (consentHost) summary.consentHost = true;
        items.set(key, summary);
      }
      summary.states.push(state.id);
      if (!summary.declaredAs.some((category) => state.allowed.includes(category))) {
        // An undeclared item in a state that granted something cannot be placed: it is reported as undeclared only.
        if (summary.declaredAs.length || state.refused) {
          violations.push({ state: state.id, item: summary, page: item.page, reason: reason(summary, state.id) });
        }
      }
    }
  }
  const all = [...items.values()];
  return {
    items: all,
    violations,
    undeclared: all.filter((item) => !item.declaredAs.length),
    stale: entries
      .filter((entry) => !matched.has(entry))
      .map(({ category, service, item }) => ({ category, service, kind: item.kind, name: item.name })),
  };
}

function reason(item: ItemSummary, state: StateId): string {
  const when = state === "no-choice" ? "set before any choice" : state === "reject-all" ? "set after Reject all" : "";
  const declared = item.declaredAs.length
    ? `declared as ${item.declaredAs.join(", ")}`
    : "not declared strictly necessary";
  return when ? `${when}, ${declared}` : `${declared}, not granted in this state`;
}

/** Whether a declared item or host covers what was seen. */
export function declares({ item: declared }: DeclaredEntry, seen: SeenItem): boolean {
  if (declared.kind === "host") {
    return (
      seen.kind === "host" &&
      (declared.name.startsWith("*.")
        ? domainMatches(declared.name, seen.name)
        : declared.name.toLowerCase() === seen.name)
    );
  }
  if (declared.kind !== seen.kind || !nameMatches(declared.name, seen.name)) return false;
  if (declared.party === "first") return seen.party === "first";
  return seen.party === "third" && (!declared.domain || domainMatches(declared.domain, seen.domain));
}

export function exitCode(comparison: Comparison): 0 | 1 {
  return comparison.violations.length || comparison.undeclared.length ? 1 : 0;
}
