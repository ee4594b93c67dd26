/**
 * @module
 * The privacy statement as a page: the company's text (rendered from our own
 * Markdown, so trusted as HTML) under a line saying which revision it is and
 * since when it has been in force.
 */
import { raw } from "hono/html";
import type { RulesAnswer } from "../../shared/rules.ts";
import { Layout } from "./layout.tsx";
import { RevisionLine } from "./revision-line.tsx";
import { RuleLine } from "./rule-line.tsx";

export interface PrivacyPageProps {
  title: string;
  html: string;
  revision: string;
  /** ISO timestamp the revision was first served, when the log could say. */
  since: string | null;
  current: boolean;
  /** Whether the revision has a cookie declaration (revisions from before it have none). */
  declared: boolean;
  /** The rules for the reader, only when the site uses the UK exception (otherwise the page is the same for everyone). */
  rules?: RulesAnswer;
}

export function PrivacyPage({ title, html, revision, since, current, declared, rules }: PrivacyPageProps) {
  return (
    <Layout title={`${title} – OpenContact Services Limited`}>
      <main class="statement">
        <RevisionLine revision={revision} since={since} current={current} currentPath="/privacy" noun="statement" />
        {declared ? (
          <p class="revision">
            Every cookie and storage item, who sets it, why and for how long:{" "}
            <a href={current ? "/cookies" : `/cookies/${revision}`}>the cookie declaration</a>.
          </p>
        ) : null}
        {rules ? <RuleLine rules={rules} /> : null}
        {raw(html)}
      </main>
    </Layout>
  );
}
