/**
 * @module
 * The log-integrity page: the whole hash chain verified against the signed
 * checkpoints, the first event that does not match, and the checkpoints to
 * download and keep outside Cloudflare (docs/proof.md).
 */
import type { StaffLogIntegrity } from "../../../shared/staff-api.ts";
import type { StaffIdentity } from "../../lib/auth/identity.ts";
import { StaffShell } from "./shell.tsx";

export interface IntegrityPageProps {
  staff: StaffIdentity;
  report: StaffLogIntegrity;
}

export function IntegrityPage({ staff, report }: IntegrityPageProps) {
  const problem = report.firstProblem;
  return (
    <StaffShell title="Log integrity" staff={staff} section="integrity">
      <h1>Log integrity</h1>
      {report.keyProblem ? (
        <p class="error" role="alert">
          {report.keyProblem}.
        </p>
      ) : null}
      {report.valid ? (
        <p role="status">
          The chain is unbroken: {report.events} events, from event {report.fromSeq + 1} to {report.headSeq}, match
          their hashes and {report.checkpoints} signed checkpoints.
        </p>
      ) : (
        <section aria-labelledby="mismatch">
          <h2 id="mismatch" class="error">
            The log does not match its chain
          </h2>
          <p class="error" role="alert">
            First mismatch at event {problem?.seq}
            {problem?.eventId ? ` (event id ${problem.eventId})` : ""}: {problem?.problem}.
          </p>
          {problem?.id ? (
            <p>
              <a href={`/staff/events/${problem.id}`}>Open that record</a>
            </p>
          ) : null}
        </section>
      )}
      <dl>
        <dt>Checked</dt>
        <dd>
          <time datetime={report.checkedAt}>{report.checkedAt.replace("T", " ")}</time>
        </dd>
        <dt>Head</dt>
        <dd>
          event {report.headSeq}, <code>{report.headHash}</code>
        </dd>
        <dt>Newest matching daily checkpoint</dt>
        <dd>
          {report.lastCheckpoint
            ? `event ${report.lastCheckpoint.seq}, signed ${report.lastCheckpoint.at.replace("T", " ")}`
            : "none yet"}
        </dd>
        <dt>Checkpoint public key (Ed25519)</dt>
        <dd>{report.publicKey ? <code>{report.publicKey}</code> : "not set"}</dd>
      </dl>
      <p>
        This check trusts the checkpoints stored beside the log. Someone able to rewrite the database could rewrite them
        too, so download them regularly, keep the copy outside Cloudflare, and verify against it with{" "}
        <code>npm run verify-log -- --checkpoints &lt;file&gt;</code>.
      </p>
      <p>
        <a href="/api/staff/checkpoints?download">Download the signed checkpoints (JSON)</a>
      </p>
    </StaffShell>
  );
}
