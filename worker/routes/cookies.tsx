/**
 * @module
 * The cookie declaration the company publishes (content/cookies.json, part
 * of the privacy revision): the one in force as a page and as JSON, and
 * every earlier one by its revision id, so a consent can be read beside the
 * declaration the visitor was shown. Cached like the statement: the ETag is
 * the revision id.
 */
import { Hono } from "hono";
import type { Declaration } from "../../shared/declaration-schema.ts";
import { REVISION_PATTERN } from "../../shared/revision.ts";
import { findRevisionDeclaration } from "../db/privacy-revisions.ts";
import {
  CURRENT,
  CURRENT_CACHE,
  CURRENT_DECLARATION,
  currentPageRules,
  currentRecord,
  REVISION_CACHE,
  revisionCacheHeaders,
} from "../lib/current-revision.ts";
import { dbCall } from "../lib/db-call.ts";
import { ApiError } from "../lib/errors.ts";
import type { AppEnv } from "../types.ts";
import { CookiesPage, NoDeclarationPage } from "../views/cookies-page.tsx";

const cookies = new Hono<AppEnv>();

cookies.get("/cookies", async (c) => {
  const { rules, notModified } = currentPageRules(c);
  if (notModified) return notModified;
  const record = await currentRecord(c.env.DB);
  return c.html(
    <CookiesPage
      declaration={CURRENT_DECLARATION}
      revision={CURRENT.revision}
      since={record?.firstServedAt ?? null}
      current
      rules={rules}
    />,
  );
});

cookies.get("/cookies.json", async (c) => {
  // A public document: any site may read it, e.g. to show it in its own page.
  c.header("Access-Control-Allow-Origin", "*");
  const cached = revisionCacheHeaders(c, CURRENT.revision, CURRENT_CACHE);
  if (cached) return cached;
  const record = await currentRecord(c.env.DB);
  return c.json({ revision: CURRENT.revision, since: record?.firstServedAt ?? null, declaration: CURRENT_DECLARATION });
});

cookies.get("/cookies/:revision", async (c) => {
  const revision = c.req.param("revision");
  if (!REVISION_PATTERN.test(revision)) {
    throw new ApiError(400, "bad_request", "revision must be 16 lowercase hex characters", "revision");
  }
  const isCurrent = revision === CURRENT.revision;
  const record = isCurrent
    ? await currentRecord(c.env.DB)
    : await dbCall(() => findRevisionDeclaration(c.env.DB, revision));
  if (!record && !isCurrent) throw new ApiError(404, "not_found", `no privacy revision ${revision}`, "revision");
  const stored = isCurrent ? CURRENT.declaration : record?.declaration;
  if (!stored) return c.html(<NoDeclarationPage revision={revision} />, 404);
  // Written by this worker from a declaration checked at build.
  const declaration: Declaration = JSON.parse(stored);
  const cached = revisionCacheHeaders(c, revision, REVISION_CACHE);
  if (cached) return cached;
  return c.html(
    <CookiesPage
      declaration={declaration}
      revision={revision}
      since={record?.firstServedAt ?? null}
      current={isCurrent}
    />,
  );
});

export default cookies;
