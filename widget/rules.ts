/**
 * @module
 * Rules by region (issue 14), the core's half: on a site whose tag says
 * `data-rules="by-region"`, asks the log which rule set applies to this
 * visitor (`GET /api/rules`, never their country) and loads the `rules`
 * part that applies it (widget/parts/rules.ts), both at once. The banner
 * waits for them (index.ts), as it waits for a language pack, so it never
 * changes in front of the visitor. Without both within RULES_WAIT_MS,
 * nothing changes from a site without rules by region: opt-in for every
 * category, and events claim no rule set; a late answer is not used. The
 * pinned core's integrity is untouched: the answer is data, and the part
 * carries its own SRI hash.
 */
import { RULES_PATH, type RulesAnswer } from "../shared/rules.ts";
import { type WidgetConfig, warn } from "./config.ts";
import type { RulesPart } from "./parts/rules.ts";
import { loadPart } from "./parts.ts";

/** Longest wait for the answer and the part: the banner then shows under opt-in for everything. */
const RULES_WAIT_MS = 2000;

let loading: Promise<void> | undefined;

/** Sets `config.rules` if the log answers in time; asked once per page, later calls share the answer. */
export function loadRules(config: WidgetConfig, gpc: boolean): Promise<void> {
  loading ??= Promise.race([
    Promise.all([
      loadPart<RulesPart>("rules"),
      // The banner waits for this: asked ahead of what else the page loads. An error's body is
      // JSON too, and the part refuses it as "not a rules answer".
      fetch(`${config.apiOrigin}${RULES_PATH}`, { priority: "high" }).then(
        (response) => response.json() as Promise<RulesAnswer>,
      ),
    ]),
    new Promise<never>((_, reject) => setTimeout(reject, RULES_WAIT_MS, new Error("no answer in 2 s"))),
  ])
    .then(async ([use, rules]) => {
      // The words are in the visitor's language: a pack being loaded comes first.
      await config.textsLoaded;
      config.rules = use(config, rules, gpc);
    })
    .catch((error) => warn(`${RULES_PATH} not read`, `opt-in for every category applies (${error.message})`));
  return loading;
}
