/**
 * @module
 * The rules part (issue 14): everything rules by region add to the widget,
 * loaded with `GET /api/rules` only on a site whose tag says
 * `data-rules="by-region"` (widget/rules.ts), so no other site pays for it.
 * It reads the log's answer, words the UK notice, the Object button and
 * the dialog's rule and bases (the site's or the language pack's wording
 * first, as for every message; `{services}` becomes the category's declared
 * services from content/cookies.json), and decides each category's basis
 * for the log. The controller and the banner only call what it sets in
 * `config.rules`.
 */

import type { Choices } from "../../shared/categories.ts";
import { NO_CONSENT } from "../../shared/categories.ts";
import { EXCEPTION_SERVICES } from "../../shared/generated/exception-services.ts";
import { RULES_MESSAGES } from "../../shared/messages.ts";
import {
  type Basis,
  type CategoryBases,
  EXCEPTION_CATEGORIES,
  type ExceptionCategory,
  type RuleSet,
  type RulesAnswer,
} from "../../shared/rules.ts";
import type { WidgetConfig } from "../config.ts";

/** What the dialog shows about the rules, in the visitor's language. */
export interface RulesWords {
  /** Where the log places the visitor, and which rule applies to them. */
  rule: string;
  /** Each basis, as the dialog names it beside a category. */
  basis: Record<Basis, string>;
}

/** The rules that apply to this visitor, as the widget uses them. */
export interface RulesInUse {
  answer: RulesAnswer;
  words: RulesWords;
  /** What an event says about the rules: the rule set, and each category's basis for `choices`. */
  claim(choices: Choices): { ruleSet: RuleSet; basis: CategoryBases };
  /** Under the UK rule, what runs once the banner has been shown, before any choice; else undefined. */
  defaults?: Choices;
  /** `choices` with every category under the exception off: an objection. */
  objected(choices: Choices): Choices;
  /** Under the UK rule, adds the notice and the Object button to the banner's section. */
  decorate(banner: HTMLElement, onObject: (press: Event) => void): void;
}

/**
 * The rules in use for the log's answer (`GET /api/rules`, fetched by the core), worded in the
 * texts of `config` (a language pack, if any, has loaded). Throws if the answer is not one.
 */
export type RulesPart = (config: WidgetConfig, answer: RulesAnswer, gpc: boolean) => RulesInUse;

const useRules: RulesPart = (config, answer, gpc) => {
  // A proxy, or a worker of another version, may answer something else; and whatever it says,
  // targeting is never under the exception (ICO: nothing for advertising).
  const known = (id: unknown) => (EXCEPTION_CATEGORIES as readonly unknown[]).includes(id);
  if (!/^(eea|uk)$/.test(answer?.ruleSet) || !Array.isArray(answer.exceptions) || !answer.exceptions.every(known)) {
    // The log's own error says what to change (a site missing from ALLOWED_ORIGINS, say).
    throw new Error((answer as { error?: { message?: unknown } })?.error?.message?.toString() ?? "not a rules answer");
  }
  const { ruleSet, exceptions } = answer;
  const { messages } = config.texts;
  const word = (key: keyof typeof RULES_MESSAGES) => messages[key] || RULES_MESSAGES[key];
  const about = (id: ExceptionCategory, key: keyof typeof RULES_MESSAGES) =>
    exceptions.includes(id) ? [word(key).replace("{services}", EXCEPTION_SERVICES[id].join(", "))] : [];
  const uk = ruleSet === "uk" && exceptions.length > 0;
  const objected = (choices: Choices) => {
    const off = { ...choices };
    for (const id of exceptions) off[id] = false;
    return off;
  };
  return {
    answer,
    words: {
      rule: `${word(answer.region === "uk" ? "regionUk" : answer.region === "other" ? "regionOther" : "regionEea")} ${word(uk ? "rulesUk" : "rulesEea")}`,
      basis: {
        consent: word("basisConsent"),
        "exception-not-objected": word("basisNotObjected"),
        objected: word("basisObjected"),
      },
    },
    claim(choices) {
      const of = (id: ExceptionCategory): Basis =>
        exceptions.includes(id) ? (choices[id] ? "exception-not-objected" : "objected") : "consent";
      return {
        ruleSet,
        basis: { analytics: of("analytics"), functionality: of("functionality"), targeting: "consent" },
      };
    },
    defaults: uk ? { ...objected(NO_CONSENT), ...Object.fromEntries(exceptions.map((id) => [id, true])) } : undefined,
    objected,
    decorate(banner, onObject) {
      if (!uk) return;
      banner.dataset.rules = "uk";
      const text = banner.querySelector("p") as HTMLElement;
      // The general text promises opt-in for everything: under the exception it must not.
      (text.firstChild as Text).data = `${word("ukBannerText")} `;
      // In the same scrolling paragraph as the general text: on a landscape phone two paragraphs
      // would each shrink to a line. CSSOM, not a style attribute, so a strict CSP allows it.
      const notice = document.createElement("span");
      notice.dataset.occ = "uk-notice";
      notice.style.cssText = "display:block;margin-top:8px";
      // Under GPC analytics is objected to already (widget/controller.ts): the notice says so instead.
      notice.textContent = [
        ...about("analytics", gpc ? "ukGpcNotice" : "ukNotice"),
        ...about("functionality", "ukFunctionalityNotice"),
      ].join(" ");
      text.append(notice);
      // The button stays only while something is on by the exception (GPC objects to analytics alone).
      if (gpc && !exceptions.includes("functionality")) return;
      const object = document.createElement("button");
      object.type = "button";
      object.className = "btn";
      object.dataset.occAction = "object";
      object.textContent = word("object");
      object.addEventListener("click", onObject);
      banner.querySelector('[data-occ-action="manage"]')?.before(object);
    },
  };
};

export default useRules;
