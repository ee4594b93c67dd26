/**
 * @module
 * The proof of consent for one person: one document a company can print to
 * PDF and hand to a regulator or the visitor (site/assets/staff.css has its
 * print styles). Every value a visitor could have sent is escaped text.
 */
import type { Child } from "hono/jsx";
import { CONTROLLER, RECEIPT_KEYS_PATH } from "../../../shared/api.ts";
import { CATEGORIES } from "../../../shared/categories.ts";
import type { ConsentMethod } from "../../../shared/consent-schema.ts";
import type { ProofEvent, StaffConsentProof } from "../../../shared/staff-api.ts";
import type { StaffIdentity } from "../../lib/auth/identity.ts";
import { Field, HowChosen, PrivacyLinkWords, ShownTextsView } from "./choice-context.tsx";
import { StaffShell } from "./shell.tsx";

const METHOD_WORDS: Record<ConsentMethod, string> = {
  accept_all: "Accepted all",
  reject_all: "Rejected all",
  custom: "Chose per category",
  withdraw: "Withdrew consent",
  object: "Objected (UK exception)",
};

const methodWords = (method: string) => METHOD_WORDS[method as ConsentMethod] ?? method;

function Time({ iso }: { iso: string }) {
  return <time datetime={iso}>{iso.replace("T", " ").replace(/\.\d+Z$/, " UTC")}</time>;
}

function Choice({ granted }: { granted: boolean }) {
  return <span class={granted ? "granted" : "refused"}>{granted ? "Granted" : "Refused"}</span>;
}

function Outcome({ ok, children }: { ok: boolean; children: Child }) {
  return <span class={ok ? "holds" : "fails"}>{children}</span>;
}

function ChainSection({ proof, item }: { proof: StaffConsentProof; item: ProofEvent }) {
  const { chain } = item;
  if (chain.status === "before_chain") {
    return (
      <p>
        Logged before the tamper-evident chain began: this event has no place in the chain and no hash, so there is
        nothing to check here; its receipt carries no log hash.
      </p>
    );
  }
  if (chain.status === "outside_chain") {
    return (
      <p class="error" role="alert">
        Stored without a place in the chain after the chain began: the worker did not write this event.
      </p>
    );
  }
  const checkpoint = proof.checkpoint;
  return (
    <>
      <p>
        Event <strong>{chain.seq}</strong> of the chain, hash <code class="hash">{chain.hash}</code>.{" "}
        {chain.valid ? <Outcome ok>Its links verify.</Outcome> : <Outcome ok={false}>Its links do not verify.</Outcome>}
      </p>
      <ul class="checks">
        {chain.checks.map((check) => (
          <li>
            <Outcome ok={check.ok}>{check.ok ? "Holds" : "Fails"}</Outcome>: {check.detail}.
          </li>
        ))}
      </ul>
      <p>
        {item.coveredByCheckpoint && checkpoint
          ? `Covered by the signed checkpoint of ${checkpoint.checkpoint.at} (event ${checkpoint.checkpoint.seq}; see the summary).`
          : "No signed checkpoint covers it yet: the next daily checkpoint will."}
      </p>
    </>
  );
}

function ReceiptSection({ consentId, item }: { consentId: string; item: ProofEvent }) {
  const { receipt, signature, problem } = item.receipt;
  const download = `/api/staff/consents/${consentId}/proof?download=receipt&event=${item.event.eventId}`;
  return (
    <>
      {problem ? (
        <p class="error" role="alert">
          {problem}.
        </p>
      ) : null}
      {signature?.valid ? (
        <p>
          <Outcome ok>Signature valid</Outcome>: rebuilt from the stored row, signed with key{" "}
          <code>{signature.kid}</code> and verified with the key published at <code>{RECEIPT_KEYS_PATH}</code>.
        </p>
      ) : signature ? (
        <p class="error" role="alert">
          <Outcome ok={false}>Signature not valid</Outcome>: {signature.reason}.
        </p>
      ) : null}
      {receipt?.jws ? (
        <details>
          <summary>The signed receipt (JWS)</summary>
          <p class="jws">
            <code>{receipt.jws}</code>
          </p>
        </details>
      ) : null}
      {receipt ? (
        <p class="screen-only">
          <a href={download} download>
            Download this receipt (JSON, checks with <code>npm run verify-receipt</code>)
          </a>
        </p>
      ) : null}
    </>
  );
}

function EventSection({ proof, item, index }: { proof: StaffConsentProof; item: ProofEvent; index: number }) {
  const { event, statement, cookieDeclarationUrl, shownTexts } = item;
  const id = `event-${index + 1}`;
  return (
    <section class="proof-event" aria-labelledby={id}>
      <h2 id={id}>
        Event {index + 1} of {proof.events.length}: {methodWords(event.method)}
      </h2>
      <dl class="record">
        <Field label="Received">
          <Time iso={event.receivedAt} />
        </Field>
        <Field label="Event id">
          <code>{event.eventId}</code>
        </Field>
        <Field label="How consent was expressed">{methodWords(event.method)}</Field>
        <HowChosen event={event} />
        {CATEGORIES.map((category) => (
          <Field label={category.name}>
            <Choice granted={event.choices[category.id]} />
          </Field>
        ))}
        <Field label="Privacy statement shown">
          Revision <code>{event.revision}</code>
          {statement.firstServedAt ? (
            <>
              {", in force from "}
              <Time iso={statement.firstServedAt} />
            </>
          ) : null}
          : <a href={statement.url}>{statement.url}</a>
          {statement.sha256 ? (
            <>
              {" (SHA-256 of what it told the visitor "}
              <code class="hash">{statement.sha256}</code>)
            </>
          ) : null}
        </Field>
        <Field label="Cookie declaration in force">
          {cookieDeclarationUrl ? (
            <a href={cookieDeclarationUrl}>{cookieDeclarationUrl}</a>
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
        <Field label="Page">
          <span class="visitor-value">{event.pageUrl}</span>
        </Field>
        <Field label="IP address (network prefix only)">{event.ipPrefix ?? "Not recorded"}</Field>
        <Field label="User agent">
          <span class="visitor-value">{event.userAgent}</span>
        </Field>
        <Field label="Country">{event.country ?? "Not recorded"}</Field>
        <Field label="Language">
          <span class="visitor-value">{event.language}</span>
        </Field>
        <Field label="Global Privacy Control">{event.gpc ? "Sent" : "Not sent"}</Field>
        <Field label="Widget version">{event.widgetVersion}</Field>
      </dl>
      <h3>Place in the tamper-evident log</h3>
      <ChainSection proof={proof} item={item} />
      <h3>Signed receipt</h3>
      <ReceiptSection consentId={proof.consentId} item={item} />
    </section>
  );
}

function CheckpointLine({ proof }: { proof: StaffConsentProof }) {
  const found = proof.checkpoint;
  if (!found) return <>None signed yet (the daily cron signs one).</>;
  const { checkpoint, signatureValid, matchesLog } = found;
  return (
    <>
      {`Event ${checkpoint.seq}, signed ${checkpoint.at}: `}
      {signatureValid === null ? (
        <Outcome ok={false}>signature not checked ({proof.checkpointKeyProblem})</Outcome>
      ) : (
        <Outcome ok={signatureValid}>signature {signatureValid ? "valid" : "not valid"}</Outcome>
      )}
      {"; "}
      <Outcome ok={matchesLog}>
        {matchesLog
          ? `the log's event ${checkpoint.seq} still has the signed hash`
          : `the log's event ${checkpoint.seq} no longer has the signed hash`}
      </Outcome>
      .
    </>
  );
}

export interface ProofPageProps {
  staff: StaffIdentity;
  proof: StaffConsentProof;
}

export function ProofPage({ staff, proof }: ProofPageProps) {
  const { consentId, events } = proof;
  const first = events[0];
  const latest = events.at(-1);
  const chained = events.filter((item) => item.chain.status === "chained");
  const broken = events.filter(
    ({ chain }) => chain.status === "outside_chain" || (chain.status === "chained" && !chain.valid),
  );
  const signed = events.filter((item) => item.receipt.signature?.valid).length;
  return (
    <StaffShell title={`Proof of consent ${consentId}`} staff={staff} section="search">
      <article class="proof">
        <h1>
          Proof of consent <code>{consentId}</code>
        </h1>
        <p>
          Made from the consent log of {CONTROLLER.name} on <Time iso={proof.generatedAt} /> by {staff.actor}.{" "}
          <a class="screen-only" href={`/staff/consents/${consentId}`}>
            Back to the record
          </a>
        </p>
        <section aria-labelledby="summary">
          <h2 id="summary">Summary</h2>
          <dl class="record">
            <Field label="Controller">
              {CONTROLLER.name}, registered in {CONTROLLER.registeredIn} no. {CONTROLLER.registeredNumber},{" "}
              {CONTROLLER.registeredOffice}; {CONTROLLER.contact}
            </Field>
            <Field label="Who">
              The browser holding consent id <code>{consentId}</code>, a random id the consent banner made there; the
              log holds no name, and IP addresses only shortened to their network prefix.
            </Field>
            <Field label="Events">
              {events.length}
              {first && latest ? (
                <>
                  {", from "}
                  <Time iso={first.event.receivedAt} />
                  {" to "}
                  <Time iso={latest.event.receivedAt} />
                </>
              ) : null}
            </Field>
            {latest ? (
              <Field label="Latest choice">
                {methodWords(latest.event.method)}:{" "}
                {CATEGORIES.map(
                  (category) => `${category.name} ${latest.event.choices[category.id] ? "granted" : "refused"}`,
                ).join(", ")}
              </Field>
            ) : null}
            <Field label="Chain around these events">
              {broken.length === 0 ? (
                <Outcome ok>
                  {chained.length} of {events.length} events are chained and every link around them verifies
                  {chained.length < events.length ? "; the others were logged before the chain began" : ""}.
                </Outcome>
              ) : (
                <Outcome ok={false}>
                  {broken.length === 1 ? "1 event fails its" : `${broken.length} events fail their`} chain checks
                  (below).
                </Outcome>
              )}
            </Field>
            <Field label="Newest signed checkpoint">
              <CheckpointLine proof={proof} />
            </Field>
            <Field label="Whole log">
              Not verified for this proof (that reads every event). Verify it, and see when it was last verified in the
              audit (<code>verify_log</code>), at <a href={proof.logIntegrityUrl}>{proof.logIntegrityUrl}</a>.
            </Field>
            <Field label="Receipts">
              {signed} of {events.length} rebuilt from the log and verified with the published signing key.
            </Field>
          </dl>
        </section>
        <section aria-labelledby="choices">
          <h2 id="choices">Choices, oldest first</h2>
          <div class="table-scroll">
            <table>
              <caption>{events.length} events under this consent id</caption>
              <thead>
                <tr>
                  <th scope="col">Event</th>
                  <th scope="col">Received</th>
                  <th scope="col">How</th>
                  {CATEGORIES.map((category) => (
                    <th scope="col">{category.id[0]?.toUpperCase() + category.id.slice(1)}</th>
                  ))}
                  <th scope="col">Statement revision</th>
                </tr>
              </thead>
              <tbody>
                {events.map(({ event }, index) => (
                  <tr>
                    <td>
                      <a href={`#event-${index + 1}`}>{index + 1}</a>
                    </td>
                    <td>
                      <Time iso={event.receivedAt} />
                    </td>
                    <td>{methodWords(event.method)}</td>
                    {CATEGORIES.map((category) => (
                      <td>
                        <Choice granted={event.choices[category.id]} />
                      </td>
                    ))}
                    <td>
                      <code>{event.revision}</code>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </section>
        {events.map((item, index) => (
          <EventSection proof={proof} item={item} index={index} />
        ))}
      </article>
    </StaffShell>
  );
}
