/**
 * @module
 * The staff audit, newest first: who looked at what, and each purge; above
 * it, failed sign-ins of the last day by token name and IP prefix.
 */
import type { AuditEntry, AuthFailureGroup } from "../../db/staff-audit.ts";
import type { StaffIdentity } from "../../lib/auth/identity.ts";
import { StaffShell } from "./shell.tsx";

export interface AuditPageProps {
  staff: StaffIdentity;
  entries: AuditEntry[];
  nextBefore: number | null;
  /** Failed sign-ins of the last 24 hours; null on older pages of the audit. */
  failures?: AuthFailureGroup[] | null;
}

function FailuresPanel({ failures }: { failures: AuthFailureGroup[] }) {
  return (
    <section aria-labelledby="failures">
      <h2 id="failures">Failed sign-ins in the last 24 hours</h2>
      {failures.length === 0 ? (
        <p>None.</p>
      ) : (
        <div class="table-scroll">
          <table>
            <caption>By token name and IP prefix, most attempts first</caption>
            <thead>
              <tr>
                <th scope="col">Token name</th>
                <th scope="col">IP prefix</th>
                <th scope="col">Attempts</th>
                <th scope="col">Last (UTC)</th>
              </tr>
            </thead>
            <tbody>
              {failures.map((group) => (
                <tr>
                  <td>{group.actor}</td>
                  <td>{group.ipPrefix ?? "–"}</td>
                  <td>{group.attempts}</td>
                  <td>
                    <time datetime={group.lastAt}>{group.lastAt.replace("T", " ")}</time>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

export function AuditPage({ staff, entries, nextBefore, failures }: AuditPageProps) {
  return (
    <StaffShell title="Audit" staff={staff} section="audit">
      <h1>Audit of staff access</h1>
      <p>
        Every search, record view, export and statistics query, and every retention purge. Nobody can edit or delete
        these rows; they are removed only when older than the audit retention period.
      </p>
      {failures ? <FailuresPanel failures={failures} /> : null}
      <div class="table-scroll">
        <table>
          <caption>Newest first</caption>
          <thead>
            <tr>
              <th scope="col">When (UTC)</th>
              <th scope="col">Who</th>
              <th scope="col">Via</th>
              <th scope="col">Action</th>
              <th scope="col">What was asked</th>
              <th scope="col">Rows</th>
            </tr>
          </thead>
          <tbody>
            {entries.map((entry) => (
              <tr>
                <td>
                  <time datetime={entry.at}>{entry.at.replace("T", " ")}</time>
                </td>
                <td>{entry.actor}</td>
                <td>{entry.via}</td>
                <td>{entry.action}</td>
                <td>
                  <code class="visitor-value">{entry.query}</code>
                </td>
                <td>{entry.rowCount ?? "–"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {nextBefore !== null ? (
        <p>
          <a href={`/staff/audit?before=${nextBefore}`} rel="next">
            Older entries
          </a>
        </p>
      ) : null}
    </StaffShell>
  );
}
