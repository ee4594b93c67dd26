/**
 * @module
 * Who is signed in to the staff pages, as the audit records them.
 */

/** `access`: a Cloudflare Access JWT (actor is its email); `token`: a named staff token. */
export interface StaffIdentity {
  actor: string;
  via: "access" | "token";
}
