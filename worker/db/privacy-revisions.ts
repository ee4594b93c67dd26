/**
 * @module
 * SQL for `privacy_revisions`: every text visitors were shown, kept in full,
 * with the cookie declaration in force (its canonical JSON; NULL for
 * revisions recorded before there was one).
 */

export interface PrivacyRevision {
  revision: string;
  sha256: string;
  title: string;
  markdown: string;
  html: string;
  text: string;
  bannerTexts: string;
  declaration: string | null;
  firstServedAt: string;
}

interface PrivacyRevisionRow {
  revision: string;
  sha256: string;
  title: string;
  markdown: string;
  html: string;
  text: string;
  banner_texts: string;
  declaration: string | null;
  first_served_at: string;
}

function toRevision(row: PrivacyRevisionRow): PrivacyRevision {
  return {
    revision: row.revision,
    sha256: row.sha256,
    title: row.title,
    markdown: row.markdown,
    html: row.html,
    text: row.text,
    bannerTexts: row.banner_texts,
    declaration: row.declaration,
    firstServedAt: row.first_served_at,
  };
}

/** Records a revision the first time it is served; a no-op afterwards. */
export function insertRevisionStatement(db: D1Database, revision: Omit<PrivacyRevision, "firstServedAt">, now: string) {
  return db
    .prepare(
      `INSERT INTO privacy_revisions (revision, sha256, title, markdown, html, text, banner_texts, declaration, first_served_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (revision) DO NOTHING`,
    )
    .bind(
      revision.revision,
      revision.sha256,
      revision.title,
      revision.markdown,
      revision.html,
      revision.text,
      revision.bannerTexts,
      revision.declaration,
      now,
    );
}

export async function findRevision(db: D1Database, revision: string): Promise<PrivacyRevision | null> {
  const row = await db
    .prepare("SELECT * FROM privacy_revisions WHERE revision = ?")
    .bind(revision)
    .first<PrivacyRevisionRow>();
  return row ? toRevision(row) : null;
}

/** A revision's declaration and date, without the statement's text; null when the revision is unknown. */
export async function findRevisionDeclaration(
  db: D1Database,
  revision: string,
): Promise<Pick<PrivacyRevision, "declaration" | "firstServedAt"> | null> {
  const row = await db
    .prepare("SELECT declaration, first_served_at FROM privacy_revisions WHERE revision = ?")
    .bind(revision)
    .first<Pick<PrivacyRevisionRow, "declaration" | "first_served_at">>();
  return row ? { declaration: row.declaration, firstServedAt: row.first_served_at } : null;
}

export async function revisionExists(db: D1Database, revision: string): Promise<boolean> {
  return (await db.prepare("SELECT 1 FROM privacy_revisions WHERE revision = ?").bind(revision).first()) !== null;
}

/** Every revision, newest first, without the bulky texts. */
export async function listRevisions(
  db: D1Database,
): Promise<Pick<PrivacyRevision, "revision" | "title" | "firstServedAt">[]> {
  const { results } = await db
    .prepare("SELECT revision, title, first_served_at FROM privacy_revisions ORDER BY first_served_at DESC")
    .all<Pick<PrivacyRevisionRow, "revision" | "title" | "first_served_at">>();
  return results.map((row) => ({ revision: row.revision, title: row.title, firstServedAt: row.first_served_at }));
}
