/**
 * @module
 * The OpenContact Consent worker: builds the app from one sub-app per
 * resource. Static files (the widget, the demo page, styles) are served by
 * Workers static assets before this code runs.
 */
import { Hono } from "hono";
import { CONSENT_PATH, TEXTS_PATH } from "../shared/api.ts";
import { RULES_PATH } from "../shared/rules.ts";
import { STAFF_API_PATH, STAFF_PAGES_PATH, STAFF_SIGN_IN_PATH } from "../shared/staff-api.ts";
import { handleError, handleNotFound } from "./lib/errors.ts";
import { securityHeaders } from "./middleware/security-headers.ts";
import { staffGuard } from "./middleware/staff-guard.ts";
import consent from "./routes/consent.ts";
import cookies from "./routes/cookies.tsx";
import privacy from "./routes/privacy.tsx";
import rules from "./routes/rules.ts";
import staff from "./routes/staff.tsx";
import staffApi from "./routes/staff-api.ts";
import staffSignIn from "./routes/staff-sign-in.tsx";
import texts from "./routes/texts.ts";
import wellKnown from "./routes/well-known.ts";
import { scheduled } from "./scheduled.ts";
import type { AppEnv } from "./types.ts";

export const app = new Hono<AppEnv>();

// Every response the worker makes: HSTS on https, one framing policy, and
// the staff area's own CSP (worker/middleware/security-headers.ts).
app.use("*", securityHeaders);

app.route(CONSENT_PATH, consent);
app.route(TEXTS_PATH, texts);
app.route(RULES_PATH, rules);
app.route("/", privacy);
// The cookie declaration, published beside the statement it belongs to.
app.route("/", cookies);
app.route("/", wellKnown);

// One guard in front of every staff route: the JSON API here, whose refusals
// are the JSON envelope of handleError; the pages mount it themselves
// (routes/staff.tsx) to answer a refusal with the sign-in page.
app.use(`${STAFF_API_PATH}/*`, staffGuard);
app.route(STAFF_PAGES_PATH, staff);
app.route(STAFF_API_PATH, staffApi);
app.route(STAFF_SIGN_IN_PATH, staffSignIn);

app.notFound(handleNotFound);
app.onError(handleError);

// The app itself stays the default export (tests call `app.request()`), with
// the Cron Trigger handler beside `fetch` for the Workers runtime.
export default Object.assign(app, { scheduled }) satisfies ExportedHandler<Env>;
