/**
 * @module
 * The frame of every staff page: who is signed in, the sections, and a
 * sign-out button for token sessions (Access sessions end at Access).
 */
import type { Child } from "hono/jsx";
import { STAFF_SIGN_IN_PATH } from "../../../shared/staff-api.ts";
import type { StaffIdentity } from "../../lib/auth/identity.ts";
import { Layout } from "../layout.tsx";

export const STAFF_STYLES = ["/assets/staff.css"];

export interface StaffShellProps {
  title: string;
  staff: StaffIdentity;
  section: "search" | "stats" | "audit" | "receipts" | "integrity";
  children: Child;
}

function NavLink({ href, current, children }: { href: string; current: boolean; children: Child }) {
  return (
    <a href={href} aria-current={current ? "page" : undefined}>
      {children}
    </a>
  );
}

export function StaffShell({ title, staff, section, children }: StaffShellProps) {
  return (
    <Layout title={`${title} – Consent log – OpenContact`} stylesheets={STAFF_STYLES}>
      <header class="staff-bar">
        <nav aria-label="Consent log">
          <NavLink href="/staff" current={section === "search"}>
            Search
          </NavLink>
          <NavLink href="/staff/stats" current={section === "stats"}>
            Statistics
          </NavLink>
          <NavLink href="/staff/audit" current={section === "audit"}>
            Audit
          </NavLink>
          <NavLink href="/staff/receipts/verify" current={section === "receipts"}>
            Receipts
          </NavLink>
          <NavLink href="/staff/log-integrity" current={section === "integrity"}>
            Log integrity
          </NavLink>
        </nav>
        <div class="signed-in">
          <p>
            Signed in as <strong>{staff.actor}</strong>
          </p>
          {staff.via === "token" ? (
            <form method="post" action={`${STAFF_SIGN_IN_PATH}/sign-out`}>
              <button type="submit">Sign out</button>
            </form>
          ) : null}
        </div>
      </header>
      <main class="staff">{children}</main>
    </Layout>
  );
}

export interface SignInPageProps {
  next: string;
  message?: string;
  name?: string;
}

/** The token sign-in form (refused staff pages redirect here). */
export function SignInPage({ next, message, name }: SignInPageProps) {
  return (
    <Layout title="Sign in – Consent log – OpenContact" stylesheets={STAFF_STYLES}>
      <main class="staff sign-in">
        <h1>Sign in to the consent log</h1>
        {message ? (
          <p class="error" role="alert">
            {message}
          </p>
        ) : null}
        <p>
          Staff of OpenContact Services Limited sign in through Cloudflare Access where it is set up, or here with a
          named staff token.
        </p>
        <form method="post" action={STAFF_SIGN_IN_PATH}>
          <input type="hidden" name="next" value={next} />
          <label for="name">Token name</label>
          <input id="name" name="name" autocomplete="username" required value={name ?? ""} />
          <label for="token">Token</label>
          <input id="token" name="token" type="password" autocomplete="current-password" required />
          <button type="submit">Sign in</button>
        </form>
      </main>
    </Layout>
  );
}

/** A staff page error (bad filter, unknown record) as HTML. */
export function StaffErrorPage({ status, message }: { status: number; message: string }) {
  return (
    <Layout title="Consent log – OpenContact" stylesheets={STAFF_STYLES}>
      <main class="staff">
        <h1>{status === 404 ? "Not found" : status >= 500 ? "The consent log is unavailable" : "Cannot show that"}</h1>
        <p class="error" role="alert">
          {message}
        </p>
        <p>
          <a href="/staff">Back to search</a>
        </p>
      </main>
    </Layout>
  );
}
