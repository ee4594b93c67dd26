/**
 * @module
 * What the record and the proof pages say about how a choice was made and
 * what the visitor read: where they chose, whether a real user action made
 * it, the region, rule set and basis it was made under (one `HowChosen`
 * fragment for both pages), the privacy statement the banner linked to, and
 * the banner texts in full. Everything a widget sent (the URL, the site's texts) is rendered as
 * escaped text by JSX, never as markup or a link.
 */
import type { Child } from "hono/jsx";
import { CATEGORIES } from "../../../shared/categories.ts";
import type { ConsentSource } from "../../../shared/consent-schema.ts";
import type { Basis, CategoryBases, Region, RuleSet } from "../../../shared/rules.ts";
import type { ShownTexts, StaffEvent } from "../../../shared/staff-api.ts";

/** One term of a description list (the pages' `<dl>`). */
export function Field({ label, children }: { label: string; children: Child }) {
  return (
    <>
      <dt>{label}</dt>
      <dd>{children}</dd>
    </>
  );
}

const SOURCE_WORDS: Record<ConsentSource, string> = {
  banner: "On the banner",
  dialog: "In the preferences dialog",
  placeholder: "On a click-to-load placeholder",
  api: "By the site's script, through the JavaScript API",
};

const NOT_RECORDED = "Not recorded (an event from before this was logged, or an older widget)";

export function sourceWords(source: ConsentSource | null): string {
  return source ? SOURCE_WORDS[source] : NOT_RECORDED;
}

export function trustedWords(trusted: boolean | null): string {
  if (trusted === null) return NOT_RECORDED;
  return trusted
    ? "Yes: a real press, click or key by the visitor (isTrusted), or inside one for the JavaScript API"
    : "No: no real user action; a script made this choice";
}

const REGION_WORDS: Record<Region, string> = {
  eea: "EEA (or no country known)",
  uk: "United Kingdom",
  other: "Outside the EEA and the UK",
};

const RULE_SET_WORDS: Record<RuleSet, string> = {
  eea: "EEA: opt-in for every optional category",
  uk: "UK: inform and object for the categories under the exception (PECR Schedule A1), opt-in for the rest",
};

const BASIS_WORDS: Record<Basis, string> = {
  consent: "consent",
  "exception-not-objected": "UK exception, informed and did not object",
  objected: "UK exception, objected",
};

/** The visitor's region as the worker saw it; null for events logged before regions were. */
export function regionWords(region: Region | null): string {
  return region ? REGION_WORDS[region] : "Not recorded (an event from before regions were logged)";
}

/** The rule set by the worker's lookup, and the widget's where it said another (both are kept). */
export function ruleSetWords(ruleSet: RuleSet | null, claimed: RuleSet | null = null): string {
  if (!ruleSet) return `${NOT_RECORDED}: opt-in, the only rule before issue 14`;
  const words = RULE_SET_WORDS[ruleSet];
  return claimed ? `${words}, by this service's lookup; the widget said it applied ${RULE_SET_WORDS[claimed]}` : words;
}

/** Each category's basis, in the statement's order. */
export function basisWords(basis: CategoryBases | null): string {
  if (!basis) return NOT_RECORDED;
  return CATEGORIES.map((category) => `${category.name}: ${BASIS_WORDS[basis[category.id]]}`).join("; ");
}

/** The privacy statement the banner linked to: the site's own, this service's, or not recorded. */
/** Where and by whom the choice was made, and under which rules: the same terms on the record and the proof. */
export function HowChosen({ event }: { event: StaffEvent }) {
  return (
    <>
      <Field label="Where the choice was made">{sourceWords(event.source)}</Field>
      <Field label="Real user action">{trustedWords(event.trusted)}</Field>
      <Field label="Visitor's region">{regionWords(event.region)}</Field>
      <Field label="Rule set applied">{ruleSetWords(event.ruleSet, event.claimedRuleSet)}</Field>
      <Field label="Basis per category">{basisWords(event.basis)}</Field>
    </>
  );
}

export function PrivacyLinkWords({ event }: { event: StaffEvent }) {
  if (event.privacyUrl) {
    return (
      <>
        The site's own: <span class="visitor-value">{event.privacyUrl}</span>
      </>
    );
  }
  // A widget that records how the choice was made sends privacyUrl only when the site set one.
  if (event.source !== null || event.trusted !== null) {
    return (
      <>
        This service's statement, <a href={`/privacy/${event.revision}`}>/privacy/{event.revision}</a>
      </>
    );
  }
  return <>{NOT_RECORDED}</>;
}

/** The banner texts the visitor read: the revision's own, the site's own in full, or not received yet. */
export function ShownTextsView({ event, shown }: { event: StaffEvent; shown: ShownTexts }) {
  if (shown.status === "revision") {
    return (
      <>
        The revision's own texts: <a href={`/privacy/${event.revision}`}>statement {event.revision}</a>
      </>
    );
  }
  const hash = <code class="hash">{event.textsHash}</code>;
  if (shown.status === "not_received") {
    return <>The site's own texts, SHA-256 {hash}: texts not received yet (the widget sends them once, when asked)</>;
  }
  const { texts, firstSeenAt } = shown;
  return (
    <div class="shown-texts">
      <p>
        The site's own texts, SHA-256 {hash}, received {firstSeenAt}:
      </p>
      <dl class="texts">
        {Object.entries(texts.messages).map(([key, text]) => (
          <>
            <dt>
              <code>{key}</code>
            </dt>
            <dd class="visitor-value">{text}</dd>
          </>
        ))}
        {texts.categories.map((category) => (
          <>
            <dt>
              <code>{category.id}</code>
            </dt>
            <dd class="visitor-value">
              <strong>{category.name}</strong>: {category.description}
            </dd>
          </>
        ))}
      </dl>
    </div>
  );
}
