/**
 * @module
 * Rules by region (issue 14), the core's half: on a site whose tag says
 * `data-rules="by-region"`, asks the log which rule set applies to this
 * visitor (`GET /api/rules`, never their country) and loads the `rules`
 * part that applies it (widget/parts/rules.ts), both at once. The banner
 * waits for them (index.tsx), as it waits for a language pack, so it never
 * changes in front of the visitor. Without an answer, or without the part,
 * nothing changes from a site without rules by region: opt-in for every
 * category, and events claim no rule set. The pinned core's integrity is
 * untouched: the answer is data, and the part carries its own SRI hash.
 */
import { RULES_PATH } from "../shared/rules.ts";
import { type WidgetConfig, warn } from "./config.ts";
import type { RulesPart } from "./parts/rules.ts";
import { loadPart } from "./parts.ts";

let loading: Promise<void> | undefined;

/** Sets `config.rules` if the log answers; asked once per page, later calls share the answer. */
export function loadRules(config: WidgetConfig, gpc: boolean): Promise<void> {
  if (!loading) {
    const answer = fetch(`${config.apiOrigin}${RULES_PATH}`, { credentials: "omit" });
    loading = loadPart<RulesPart>("rules")
      .then((use) => use(config, answer, gpc))
      .catch((error) => warn(`${RULES_PATH} not read`, `opt-in for every category applies (${error.message})`));
  }
  return loading;
}
