/**
 * @module
 * The line under a published document's title (the privacy statement, the
 * cookie declaration): which revision this is, since when it has been in
 * force, and for an earlier revision a link to the current one.
 */

export interface RevisionLineProps {
  revision: string;
  /** When the revision was first served, ISO 8601; unknown while D1 is down. */
  since: string | null | undefined;
  current: boolean;
  /** The current document: `/privacy`, `/cookies`. */
  currentPath: string;
  /** "statement", "declaration". */
  noun: string;
}

function formatDate(iso: string): string {
  return new Intl.DateTimeFormat("en-GB", { dateStyle: "long", timeZone: "UTC" }).format(new Date(iso));
}

export function RevisionLine({ revision, since, current, currentPath, noun }: RevisionLineProps) {
  return (
    <p class="revision">
      {current ? "Current revision " : "Earlier revision "}
      <code>{revision}</code>
      {since ? (
        <>
          {", in force since "}
          <time datetime={since}>{formatDate(since)}</time>
        </>
      ) : null}
      {current ? null : (
        <>
          {". "}
          <a href={currentPath}>{`Read the current ${noun}`}</a>
        </>
      )}
    </p>
  );
}
