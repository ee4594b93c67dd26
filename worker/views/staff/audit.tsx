/**
 * @module
 * The staff audit, newest first: who looked at what, and each purge.
 */
import type { AuditEntry } from "../../db/staff-audit.ts";
import type { StaffIdentity } from "../../lib/auth/identity.ts";
import { StaffShell } from "./shell.tsx";

export interface AuditPageProps {
  staff: StaffIdentity;
  entries: AuditEntry[];
  nextBefore: number | null;
}

export function AuditPage({ staff, entries, nextBefore }: AuditPageProps) {
  return (
    <StaffShell title="Audit" staff={staff} section="audit">
      <h1>Audit of staff access</h1>
      <p>
        Every search, record view, export and statistics query, and every retention purge. Nobody can edit or delete
        these rows; they are removed only when older than the audit retention period.
      </p>
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
