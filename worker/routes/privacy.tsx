/**
 * @module
 * The privacy statement the company publishes, served verbatim: the current
 * revision as a page and as JSON, and every earlier revision by its id so a
 * consent can be read beside exactly what the visitor was shown.
 * Caching follows RFC 9110/9111: the ETag is the revision id.
 */
import { Hono } from "hono";
import { REVISION_PATTERN } from "../../shared/revision.ts";
import { findRevision } from "../db/privacy-revisions.ts";
import {
  CURRENT,
  CURRENT_CACHE,
  currentPageRules,
  currentRecord,
  REVISION_CACHE,
  revisionCacheHeaders,
} from "../lib/current-revision.ts";
import { dbCall } from "../lib/db-call.ts";
import { ApiError } from "../lib/errors.ts";
import type { AppEnv } from "../types.ts";
import { PrivacyPage } from "../views/privacy-page.tsx";

const privacy = new Hono<AppEnv>();

privacy.get("/privacy", async (c) => {
  const { rules, notModified } = currentPageRules(c);
  if (notModified) return notModified;
  const record = await currentRecord(c.env.DB);
  return c.html(
    <PrivacyPage
      title={CURRENT.title}
      html={CURRENT.html}
      revision={CURRENT.revision}
      since={record?.firstServedAt ?? null}
      current
      declared
      rules={rules}
    />,
  );
});

privacy.get("/privacy.json", async (c) => {
  // A public document: any site may read it, e.g. to show it in its own page.
  c.header("Access-Control-Allow-Origin", "*");
  const cached = revisionCacheHeaders(c, CURRENT.revision, CURRENT_CACHE);
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
  const cached = revisionCacheHeaders(c, revision, REVISION_CACHE);
  if (cached) return cached;
  return c.html(
    <PrivacyPage
      title={record?.title ?? CURRENT.title}
      html={record?.html ?? CURRENT.html}
      revision={revision}
      since={record?.firstServedAt ?? null}
      current={isCurrent}
      declared={isCurrent || Boolean(record?.declaration)}
    />,
  );
});

export default privacy;
