/**
 * @module
 * A draft declaration from what a scan saw, in the declaration's own format:
 * declared entries that were seen keep their service and wording; anything
 * new goes under the category of the state that first produced it, grouped
 * by domain, with every text a person must write marked `TO FILL IN`.
 */

import { OUTBOX_KEY } from "../../widget/log-client.ts";
import { CONSENT_COOKIE } from "../../widget/storage.ts";
import type { ItemSummary } from "./compare.ts";
import { declares } from "./compare.ts";
import {
  DECLARATION_CATEGORIES,
  type Declaration,
  type DeclarationCategory,
  type DeclaredItem,
  type DeclaredService,
} from "./declaration.ts";
import { lifetime } from "./report.ts";
import type { ScanState } from "./states.ts";

const TO_FILL_IN = "TO FILL IN";

/** The widget's own items, strictly necessary wherever they appear, with their purpose already known. */
const WIDGET_ITEMS: Record<string, { kind: DeclaredItem["kind"]; purpose: string; duration?: string }> = {
  [CONSENT_COOKIE]: { kind: "cookie", purpose: "Remembers the visitor's cookie choices and consent id" },
  [OUTBOX_KEY]: {
    kind: "localStorage",
    purpose: "Keeps a cookie choice until the consent log confirms it",
    duration: "until the consent log confirms the choice",
  },
};
const WIDGET_SERVICE = "OpenContact Consent";

export function draftDeclaration(
  items: ItemSummary[],
  states: readonly ScanState[],
  declaration: Declaration | null,
  now: number,
): Declaration {
  const draft: Record<DeclarationCategory, DeclaredService[]> = {
    necessary: [],
    analytics: [],
    functionality: [],
    targeting: [],
  };
  const site = items.filter((item) => !item.consentHost);

  // What is declared and was seen stays as written.
  for (const category of DECLARATION_CATEGORIES) {
    for (const service of declaration?.categories[category]?.services ?? []) {
      const seenItems = service.items.filter((declared) =>
        site.some((item) => declares({ category, service: service.name, item: declared }, item)),
      );
      const seenHosts = (service.hosts ?? []).filter((host) =>
        site.some((item) => declares({ category, service: service.name, item: { kind: "host", name: host } }, item)),
      );
      if (!seenItems.length && !seenHosts.length) continue;
      const kept: DeclaredService = { ...service, items: seenItems };
      if (service.hosts) kept.hosts = seenHosts;
      draft[category].push(kept);
    }
  }

  // Anything new: one service per category and domain, for a person to name.
  for (const item of site.filter((entry) => !entry.declaredAs.length)) {
    const widgetItem = item.party === "first" ? WIDGET_ITEMS[item.name] : undefined;
    const own = widgetItem?.kind === item.kind ? widgetItem : undefined;
    const category = own ? "necessary" : categoryOf(item, states);
    const serviceName = own ? WIDGET_SERVICE : `${TO_FILL_IN} (${item.domain})`;
    let service = draft[category].find((entry) => entry.name === serviceName);
    if (!service) {
      service = { name: serviceName, provider: TO_FILL_IN, privacyUrl: TO_FILL_IN, items: [] };
      draft[category].push(service);
    }
    if (item.kind === "host") {
      service.hosts = [...(service.hosts ?? []), item.name];
      continue;
    }
    const drafted: DeclaredItem = {
      name: item.name,
      kind: item.kind,
      party: item.party,
      purpose: own?.purpose ?? purposeHint(item, category),
      duration:
        own?.duration ??
        (item.kind === "cookie"
          ? lifetime(item.expires, now)
          : item.kind === "sessionStorage"
            ? "session"
            : "until deleted"),
    };
    if (item.party === "third") drafted.domain = item.domain;
    service.items.push(drafted);
  }

  return {
    categories: Object.fromEntries(DECLARATION_CATEGORIES.map((category) => [category, { services: draft[category] }])),
  };
}

/** The category of the state that first produced an item; after Accept all alone, the strictest guess. */
function categoryOf(item: ItemSummary, states: readonly ScanState[]): DeclarationCategory {
  const state = states.find((entry) => entry.id === item.firstState);
  if (!state || state.refused) return "necessary";
  const granted = state.allowed.filter((category) => category !== "necessary");
  return granted.length === 1 && granted[0] ? granted[0] : "targeting";
}

function purposeHint(item: ItemSummary, category: DeclarationCategory): string {
  if (item.firstState === "no-choice") {
    return `${TO_FILL_IN}: set before any choice; keep it here only if strictly necessary, else gate it`;
  }
  if (item.firstState === "reject-all") {
    return `${TO_FILL_IN}: set after Reject all; keep it here only if strictly necessary, else gate it`;
  }
  if (item.firstState === "accept-all" && category === "targeting") {
    return `${TO_FILL_IN}: first seen after Accept all; move it to its category`;
  }
  return TO_FILL_IN;
}
