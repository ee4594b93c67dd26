/**
 * @module
 * The receipt check: paste a visitor's consent receipt, see whether its
 * signature holds with the published keys and whether its record matches
 * the log. Every pasted value is rendered as escaped text by JSX.
 */
import type { ReceiptCheck } from "../../../shared/staff-api.ts";
import type { StaffIdentity } from "../../lib/auth/identity.ts";
import { StaffShell } from "./shell.tsx";

export const RECEIPT_VERIFY_PAGE = "/staff/receipts/verify";

export interface ReceiptPageProps {
  staff: StaffIdentity;
  /** What was pasted, kept in the form. */
  pasted?: string;
  check?: ReceiptCheck;
  /** What to fix in the form, shown above it. */
  message?: string;
}

function LogResult({ log }: { log: ReceiptCheck["log"] }) {
  switch (log.status) {
    case "matches":
      return <p>The record matches the logged event.</p>;
    case "differs":
      return (
        <p class="error" role="alert">
          The record differs from the logged event in: {log.fields.join(", ")}.
        </p>
      );
    case "absent":
      return (
        <p class="error" role="alert">
          No event with this receipt's event id is in the log: never recorded, or purged after the retention period.
        </p>
      );
    case "not_compared":
      return <p>Not compared with the log: the receipt's signed record cannot be read.</p>;
  }
}

function CheckResult({ check }: { check: ReceiptCheck }) {
  const { signature, log } = check;
  return (
    <section aria-labelledby="result">
      <h2 id="result">Result</h2>
      {signature.valid ? (
        <p>
          Signature valid (key <code>{signature.kid}</code>).
        </p>
      ) : (
        <p class="error" role="alert">
          Signature not valid: {signature.reason}.
        </p>
      )}
      <LogResult log={log} />
      {signature.record ? (
        <dl>
          <dt>Event id</dt>
          <dd>
            <code>{signature.record.eventId}</code>
          </dd>
          <dt>Consent id</dt>
          <dd>
            <code>{signature.record.consentId}</code>
          </dd>
          <dt>Time</dt>
          <dd>{signature.record.time}</dd>
          <dt>Method</dt>
          <dd>{signature.record.method}</dd>
          <dt>Purposes</dt>
          <dd>{signature.record.purposes.map(({ id, state }) => `${id}: ${state}`).join(", ")}</dd>
          <dt>Privacy revision</dt>
          <dd>
            <a href={`/privacy/${encodeURIComponent(signature.record.notice.revision)}`}>
              {signature.record.notice.revision}
            </a>
          </dd>
        </dl>
      ) : null}
    </section>
  );
}

export function ReceiptPage({ staff, pasted, check, message }: ReceiptPageProps) {
  return (
    <StaffShell title="Check a receipt" staff={staff} section="receipts">
      <h1>Check a consent receipt</h1>
      <p>
        Paste the receipt a visitor sent (the JSON the widget received, or its <code>jws</code> alone). The signature is
        checked with the keys published at{" "}
        <a href="/.well-known/consent-receipt-keys">/.well-known/consent-receipt-keys</a>, and the record is compared
        with the log.
      </p>
      {message ? (
        <p class="error" role="alert">
          {message}
        </p>
      ) : null}
      <form method="post" action={RECEIPT_VERIFY_PAGE}>
        <label for="receipt">Receipt</label>
        <textarea id="receipt" name="receipt" rows={12} cols={80} required spellcheck={false}>
          {pasted ?? ""}
        </textarea>
        <button type="submit">Check</button>
      </form>
      {check ? <CheckResult check={check} /> : null}
    </StaffShell>
  );
}
