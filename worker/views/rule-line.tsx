/**
 * @module
 * The line `/privacy` and `/cookies` show a reader when the site uses the UK
 * exception (issue 14): which rule applies to them. Without the exception
 * the pages are the same for everyone and show no such line.
 */
import { CATEGORIES } from "../../shared/categories.ts";
import type { RulesAnswer } from "../../shared/rules.ts";

const categoryName = (id: string) => CATEGORIES.find((category) => category.id === id)?.name.toLowerCase() ?? id;

/** Which rule applies to the reader: PECR Schedule A1 for the UK, opt-in everywhere else. */
export function RuleLine({ rules }: { rules: RulesAnswer }) {
  if (rules.ruleSet === "uk") {
    const names = rules.exceptions.map(categoryName).join(" and ");
    return (
      <p class="revision rules">
        Visitors from the UK: {names} are set unless you object (PECR Schedule A1, added by the Data (Use and Access)
        Act 2025); you can object at any time in the site's cookie settings. Every other optional cookie needs your
        consent.
      </p>
    );
  }
  return (
    <p class="revision rules">
      For you, as for every visitor outside the UK: no optional cookie is set without your consent.
    </p>
  );
}
