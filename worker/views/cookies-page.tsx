/**
 * @module
 * The cookie declaration as a page: per category, each service with its
 * provider and privacy notice, and the cookies and storage items it sets. Every value is the company's own (checked at build) and still
 * rendered as escaped text by JSX.
 */
import { CATEGORIES } from "../../shared/categories.ts";
import {
  DECLARATION_CATEGORIES,
  type Declaration,
  type DeclarationCategory,
  type DeclaredItem,
  type DeclaredService,
} from "../../shared/declaration-schema.ts";
import type { RulesAnswer } from "../../shared/rules.ts";
import { Layout } from "./layout.tsx";
import { RevisionLine } from "./revision-line.tsx";
import { RuleLine } from "./rule-line.tsx";

const SITE = "OpenContact Services Limited";

/** Headings and descriptions: the banner's own words for the optional categories. */
const CATEGORY_TEXTS: Record<DeclarationCategory, { name: string; description: string }> = {
  necessary: {
    name: "Strictly necessary",
    description:
      "These make the site work and keep your cookie choices. They are set without asking, because the site cannot do what you ask of it without them.",
  },
  ...(Object.fromEntries(CATEGORIES.map(({ id, name, description }) => [id, { name, description }])) as Record<
    (typeof CATEGORIES)[number]["id"],
    { name: string; description: string }
  >),
};

const KIND_TEXTS: Record<DeclaredItem["kind"], string> = {
  cookie: "cookie",
  localStorage: "local storage",
  sessionStorage: "session storage",
  indexedDB: "IndexedDB",
};

function Service({ service }: { service: DeclaredService }) {
  return (
    <>
      <h3>{service.name}</h3>
      <p>
        {`Provided by ${service.provider}: `}
        <a href={service.privacyUrl}>{`${service.provider === SITE ? "our" : "their"} privacy notice`}</a>.
        {service.hosts?.length ? ` It connects to ${service.hosts.join(", ")}.` : null}
      </p>
      {service.items.length === 0 ? (
        <p>It sets no cookies or other storage.</p>
      ) : (
        // A list, not a table: it reads on a 320 px phone and on paper without styles of its own.
        <ul>
          {service.items.map((item) => (
            <li>
              <code>{item.name}</code>
              {`: ${KIND_TEXTS[item.kind]}, ${item.party === "first" ? "first party" : `third party (${item.domain})`}; duration: ${item.duration}. `}
              {item.purpose}
            </li>
          ))}
        </ul>
      )}
    </>
  );
}

export interface CookiesPageProps {
  declaration: Declaration;
  revision: string;
  /** ISO timestamp the revision was first served, when the log could say. */
  since: string | null;
  current: boolean;
  /** The rules for the reader, only when the site uses the UK exception (otherwise the page is the same for everyone). */
  rules?: RulesAnswer;
}

export function CookiesPage({ declaration, revision, since, current, rules }: CookiesPageProps) {
  return (
    <Layout title={`Cookie declaration – ${SITE}`}>
      <main class="statement">
        <h1>Cookie declaration</h1>
        <RevisionLine revision={revision} since={since} current={current} currentPath="/cookies" noun="declaration" />
        <p>
          Every cookie and similar storage item this site and the services on it may set, by category. Strictly
          necessary ones are set at once; the others only once you allow their category, and they are deleted when you
          withdraw it. Change your choice at any time with “Cookie settings” on our site. A name ending in{" "}
          <code>*</code> stands for every name that starts that way. This declaration is part of{" "}
          <a href={current ? "/privacy" : `/privacy/${revision}`}>our privacy statement</a>.
        </p>
        {rules ? <RuleLine rules={rules} /> : null}
        {DECLARATION_CATEGORIES.map((id) => (
          <section aria-labelledby={id}>
            <h2 id={id}>{CATEGORY_TEXTS[id].name}</h2>
            <p>{CATEGORY_TEXTS[id].description}</p>
            {declaration.categories[id].services.length === 0 ? (
              <p>None on this site.</p>
            ) : (
              declaration.categories[id].services.map((service) => <Service service={service} />)
            )}
          </section>
        ))}
      </main>
    </Layout>
  );
}

/** An earlier revision recorded before declarations were kept with each revision. */
export function NoDeclarationPage({ revision }: { revision: string }) {
  return (
    <Layout title={`No cookie declaration – ${SITE}`}>
      <main class="statement">
        <h1>No cookie declaration for this revision</h1>
        <p>
          Revision <code>{revision}</code> was in force before a cookie declaration was kept with each revision, so
          there is none to show. Read <a href={`/privacy/${revision}`}>the privacy statement of that revision</a> or{" "}
          <a href="/cookies">the current cookie declaration</a>.
        </p>
      </main>
    </Layout>
  );
}
