/**
 * @module
 * The Hono environment shared by every route: the generated bindings plus
 * the per-request values middleware sets.
 */
import type { StaffIdentity } from "./lib/auth/identity.ts";

export interface AppEnv {
  Bindings: Env;
  Variables: {
    /** The visitor's IP reduced to its /24 or /48 prefix; the raw IP goes no further. */
    ipPrefix: string | null;
    /** The signed-in staff member, set by the staff guard. */
    staff: StaffIdentity;
  };
}

declare global {
  interface Env {
    /** Local only, from `.dev.vars` (so not in the generated types): the visitor's country on plain http (worker/lib/rules.ts). */
    DEV_FORCE_COUNTRY?: string;
  }
}
