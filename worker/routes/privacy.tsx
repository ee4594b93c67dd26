/**
 * @module
 * The privacy statement the company publishes, served verbatim: the current
 * revision as a page and as JSON, and every earlier revision by its id so a
 * consent can be read beside exactly what the visitor was shown.
 * Caching follows RFC 9110/9111: the ETag is the revision id.
 */
import type { Context } from "hono";
import { Hono } from "hono";
import { REVISION_PATTERN } from "../../shared/revision.ts";
import { findRevision, type PrivacyRevision } from "../db/privacy-revisions.ts";
import { CURRENT, recordCurrentRevision } from "../lib/current-revision.ts";
import { dbCall } from "../lib/db-call.ts";
import { ApiError } from "../lib/errors.ts";
import type { AppEnv } from "../types.ts";
import { PrivacyPage } from "../views/privacy-page.tsx";

/** The current statement may change with a deploy; revisions never do. */
const CURRENT_CACHE = "public, max-age=300, must-revalidate";
const REVISION_CACHE = "public, max-age=31536000, immutable";

const privacy = new Hono<AppEnv>();

/** RFC 9110 §13.1.2: If-None-Match matches any listed tag (weak comparison) or `*`. */
function notModified(c: Context<AppEnv>, etag: string): boolean {
  const header = c.req.header("If-None-Match");
  if (!header) return false;
  return header.split(",").some((tag) => {
    const trimmed = tag.trim();
    return trimmed === "*" || trimmed.replace(/^W\//, "") === etag;
  });
}

function cacheHeaders(c: Context<AppEnv>, revision: string, cacheControl: string): Response | null {
  const etag = `"${revision}"`;
  c.header("ETag", etag);
  c.header("Cache-Control", cacheControl);
  return notModified(c, etag) ? c.body(null, 304) : null;
}

/**
 * The current revision's record, written the first time it is served. The
 * statement itself is in the bundle, so a database outage only costs the date.
 */
async function currentRecord(db: D1Database): Promise<PrivacyRevision | null> {
  try {
    const existing = await findRevision(db, CURRENT.revision);
    if (existing) return existing;
    await recordCurrentRevision(db, new Date().toISOString()).run();
    return await findRevision(db, CURRENT.revision);
  } catch {
    console.error("privacy revision lookup failed; serving the statement without its date");
    return null;
  }
}

privacy.get("/privacy", async (c) => {
  const cached = cacheHeaders(c, CURRENT.revision, CURRENT_CACHE);
  if (cached) return cached;
  const record = await currentRecord(c.env.DB);
  return c.html(
    <PrivacyPage
      title={CURRENT.title}
      html={CURRENT.html}
      revision={CURRENT.revision}
      since={record?.firstServedAt ?? null}
      current
    />,
  );
});

privacy.get("/privacy.json", async (c) => {
  // A public document: any site may read it, e.g. to show it in its own page.
  c.header("Access-Control-Allow-Origin", "*");
  const cached = cacheHeaders(c, CURRENT.revision, CURRENT_CACHE);
  if (cached) return cached;
  const record = await currentRecord(c.env.DB);
  return c.json({
    revision: CURRENT.revision,
    sha256: CURRENT.sha256,
    title: CURRENT.title,
    since: record?.firstServedAt ?? null,
    html: CURRENT.html,
    text: CURRENT.text,
  });
});

privacy.get("/privacy/:revision", async (c) => {
  const revision = c.req.param("revision");
  if (!REVISION_PATTERN.test(revision)) {
    throw new ApiError(400, "bad_request", "revision must be 16 lowercase hex characters", "revision");
  }
  const isCurrent = revision === CURRENT.revision;
  const record = isCurrent ? await currentRecord(c.env.DB) : await dbCall(() => findRevision(c.env.DB, revision));
  if (!record && !isCurrent) throw new ApiError(404, "not_found", `no privacy revision ${revision}`, "revision");
  const cached = cacheHeaders(c, revision, REVISION_CACHE);
  if (cached) return cached;
  return c.html(
    <PrivacyPage
      title={record?.title ?? CURRENT.title}
      html={record?.html ?? CURRENT.html}
      revision={revision}
      since={record?.firstServedAt ?? null}
      current={isCurrent}
    />,
  );
});

export default privacy;
