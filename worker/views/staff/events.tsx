import { CATEGORIES } from "../../../shared/categories.ts";
import { CONSENT_METHODS, type ConsentMethod } from "../../../shared/consent-schema.ts";
import type { ShownTexts, StaffEvent } from "../../../shared/staff-api.ts";
import type { StaffIdentity } from "../../lib/auth/identity.ts";
import type { FilterParams } from "../../lib/staff-query.ts";
import { Field, HowChosen, PrivacyLinkWords, ShownTextsView } from "./choice-context.tsx";
import { StaffShell } from "./shell.tsx";

const METHOD_LABELS: Record<ConsentMethod, string> = {
  accept_all: "Accept all",
  reject_all: "Reject all",
  custom: "Custom",
  withdraw: "Withdraw",
  object: "Object",
};

function query(params: Record<string, string | undefined>): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) if (value) search.set(name, value);
  const text = search.toString();
  return text ? `?${text}` : "";
}

function Choice({ granted }: { granted: boolean }) {
  return <span class={granted ? "granted" : "refused"}>{granted ? "Granted" : "Refused"}</span>;
}

function Time({ iso }: { iso: string }) {
  return <time datetime={iso}>{iso.replace("T", " ").replace(/\.\d+Z$/, "Z")}</time>;
}

export interface EventTableProps {
  events: StaffEvent[];
  caption: string;
  currentId?: number;
}

export function EventTable({ events, caption, currentId }: EventTableProps) {
  return (
    <div class="table-scroll">
      <table>
        <caption>{caption}</caption>
        <thead>
          <tr>
            <th scope="col">Received (UTC)</th>
            <th scope="col">Consent id</th>
            <th scope="col">Method</th>
            {CATEGORIES.map((category) => (
              <th scope="col">{category.id[0]?.toUpperCase() + category.id.slice(1)}</th>
            ))}
            <th scope="col">Revision</th>
            <th scope="col">Page</th>
            <th scope="col">
              <span class="visually-hidden">Record</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {events.map((event) => (
            <tr aria-current={event.id === currentId ? "true" : undefined}>
              <td>
                <Time iso={event.receivedAt} />
              </td>
              <td>
                <a href={`/staff/consents/${event.consentId}`}>
                  <code>{event.consentId}</code>
                </a>
              </td>
              <td>{METHOD_LABELS[event.method] ?? event.method}</td>
              <td>
                <Choice granted={event.choices.analytics} />
              </td>
              <td>
                <Choice granted={event.choices.functionality} />
              </td>
              <td>
                <Choice granted={event.choices.targeting} />
              </td>
              <td>
                <code>{event.revision}</code>
              </td>
              <td class="visitor-value">{event.pageUrl}</td>
              <td>
                <a href={`/staff/events/${event.id}`} aria-label={`Record ${event.id}`}>
                  Record
                </a>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export interface SearchPageProps {
  staff: StaffIdentity;
  params: FilterParams;
  revisions: { revision: string; firstServedAt: string }[];
  events: StaffEvent[] | null;
  nextCursor: string | null;
  /** True when this page continues an earlier one. */
  continued: boolean;
}

function Select({
  name,
  label,
  value,
  options,
}: {
  name: string;
  label: string;
  value: string | undefined;
  options: [string, string][];
}) {
  return (
    <div class="field">
      <label for={name}>{label}</label>
      <select id={name} name={name}>
        <option value="">Any</option>
        {options.map(([optionValue, text]) => (
          <option value={optionValue} selected={optionValue === value}>
            {text}
          </option>
        ))}
      </select>
    </div>
  );
}

export function SearchPage({ staff, params, revisions, events, nextCursor, continued }: SearchPageProps) {
  return (
    <StaffShell title="Search" staff={staff} section="search">
      <h1>Consent log</h1>
      <search aria-label="Find a consent by its id">
        <form method="get" action="/staff" class="lookup">
          <label for="consentId">Consent id</label>
          <p class="hint" id="consentId-hint">
            The id a visitor reads from the preferences dialog, e.g. 3f1c…-4…
          </p>
          <input
            id="consentId"
            name="consentId"
            value={params.consentId ?? ""}
            aria-describedby="consentId-hint"
            spellcheck={false}
            autocomplete="off"
            size={40}
          />
          <button type="submit">Find</button>
        </form>
      </search>

      <form method="get" action="/staff" class="filters" aria-label="Filter the log">
        <fieldset>
          <legend>Filter events</legend>
          <div class="field">
            <label for="from">From (UTC date)</label>
            <input id="from" name="from" type="date" value={params.from ?? ""} />
          </div>
          <div class="field">
            <label for="to">To (UTC date, inclusive)</label>
            <input id="to" name="to" type="date" value={params.to ?? ""} />
          </div>
          {CATEGORIES.map((category) => (
            <Select
              name={category.id}
              label={category.name}
              value={params[category.id]}
              options={[
                ["granted", "Granted"],
                ["refused", "Refused"],
              ]}
            />
          ))}
          <Select
            name="method"
            label="Method"
            value={params.method}
            options={CONSENT_METHODS.map((method) => [method, METHOD_LABELS[method] ?? method])}
          />
          <Select
            name="revision"
            label="Privacy-statement revision"
            value={params.revision}
            options={revisions.map((r) => [r.revision, `${r.revision} (from ${r.firstServedAt.slice(0, 10)})`])}
          />
          <div class="field">
            <label for="path">Page path (exact)</label>
            <input id="path" name="path" value={params.path ?? ""} placeholder="/pricing" />
          </div>
          <button type="submit">Search</button>
        </fieldset>
      </form>

      {events === null ? null : (
        <section aria-labelledby="results">
          <h2 id="results">{continued ? "More results" : "Results"}</h2>
          <p>
            <a href={`/api/staff/events.csv${query(params)}`} download>
              Download all matching events as CSV
            </a>
          </p>
          {events.length === 0 ? (
            <p>No events match.</p>
          ) : (
            <EventTable events={events} caption="Matching events, newest first" />
          )}
          <p>
            {continued ? <a href={`/staff${query(params)}`}>First page</a> : null}
            {continued && nextCursor ? " · " : null}
            {nextCursor ? (
              <a href={`/staff${query({ ...params, cursor: nextCursor })}`} rel="next">
                Older events
              </a>
            ) : null}
          </p>
        </section>
      )}
    </StaffShell>
  );
}

export interface RecordPageProps {
  staff: StaffIdentity;
  consentId: string;
  /** The event shown in full: the one asked for, or the latest of the consent. */
  event: StaffEvent;
  history: StaffEvent[];
  /** Where the cookie declaration of the event's revision is published, or null for a revision from before declarations were kept. */
  cookieDeclarationUrl: string | null;
  /** The banner texts the event's visitor read. */
  shownTexts: ShownTexts;
}

export function RecordPage({ staff, consentId, event, history, cookieDeclarationUrl, shownTexts }: RecordPageProps) {
  return (
    <StaffShell title={`Consent ${consentId}`} staff={staff} section="search">
      <h1>
        Consent <code>{consentId}</code>
      </h1>
      <p class="actions">
        <a href={`/api/staff/consents/${consentId}?download=1`} download>
          Subject-access export (JSON)
        </a>
        {" · "}
        <a href={`/api/staff/events.csv?consentId=${consentId}`} download>
          History as CSV
        </a>
        {" · "}
        <a href={`/staff/consents/${consentId}/proof`}>Proof of consent (printable)</a>
      </p>
      <section aria-labelledby="event">
        <h2 id="event">
          Event {event.id}
          {history[0]?.id === event.id ? " (latest)" : null}
        </h2>
        <dl class="record">
          <Field label="Event id">
            <code>{event.eventId}</code>
          </Field>
          <Field label="Consent id">
            <code>{event.consentId}</code>
          </Field>
          <Field label="Received (UTC)">
            <Time iso={event.receivedAt} />
          </Field>
          <Field label="Method">{METHOD_LABELS[event.method] ?? event.method}</Field>
          <HowChosen event={event} />
          {CATEGORIES.map((category) => (
            <Field label={category.name}>
              <Choice granted={event.choices[category.id]} />
            </Field>
          ))}
          <Field label="Privacy-statement revision shown">
            <a href={`/privacy/${event.revision}`}>
              <code>{event.revision}</code>
            </a>
          </Field>
          <Field label="Cookie declaration in force">
            {cookieDeclarationUrl ? (
              <a href={cookieDeclarationUrl}>
                Declaration of revision <code>{event.revision}</code>
              </a>
            ) : (
              "None recorded: this revision predates the cookie declaration"
            )}
          </Field>
          <Field label="Privacy statement the banner linked to">
            <PrivacyLinkWords event={event} />
          </Field>
          <Field label="Banner texts read">
            <ShownTextsView event={event} shown={shownTexts} />
          </Field>
          <Field label="Page URL">
            <span class="visitor-value">{event.pageUrl}</span>
          </Field>
          <Field label="User agent">
            <span class="visitor-value">{event.userAgent}</span>
          </Field>
          <Field label="IP prefix">{event.ipPrefix ?? "Not recorded"}</Field>
          <Field label="Country">{event.country ?? "Not recorded"}</Field>
          <Field label="Language">
            <span class="visitor-value">{event.language}</span>
          </Field>
          <Field label="Global Privacy Control">{event.gpc ? "Sent" : "Not sent"}</Field>
          <Field label="Widget version">{event.widgetVersion}</Field>
        </dl>
      </section>
      <section aria-labelledby="history">
        <h2 id="history">Full history of this consent id</h2>
        <EventTable events={history} caption={`${history.length} events, newest first`} currentId={event.id} />
      </section>
    </StaffShell>
  );
}
