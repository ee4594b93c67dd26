/**
 * @module
 * What the record and the proof pages say about how a choice was made and
 * what the visitor read: where they chose, whether a real user action made
 * it, the privacy statement the banner linked to, and the banner texts in
 * full. Everything a widget sent (the URL, the site's texts) is rendered as
 * escaped text by JSX, never as markup or a link.
 */
import type { ConsentSource } from "../../../shared/consent-schema.ts";
import type { ShownTexts, StaffEvent } from "../../../shared/staff-api.ts";

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

/** The privacy statement the banner linked to: the site's own, this service's, or not recorded. */
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
