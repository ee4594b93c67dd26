/**
 * @module
 * The OpenContact Consent worker: builds the app from one sub-app per
 * resource. Static files (the widget, the demo page, styles) are served by
 * Workers static assets before this code runs.
 */
import { Hono } from "hono";
import { secureHeaders } from "hono/secure-headers";
import { CONSENT_PATH } from "../shared/api.ts";
import { STAFF_API_PATH, STAFF_PAGES_PATH, STAFF_SIGN_IN_PATH } from "../shared/staff-api.ts";
import { staffGuard } from "./lib/auth/guard.tsx";
import { handleError, handleNotFound } from "./lib/errors.ts";
import consent from "./routes/consent.ts";
import privacy from "./routes/privacy.tsx";
import staff, { staffSecureHeaders } from "./routes/staff.tsx";
import staffApi from "./routes/staff-api.ts";
import staffSignIn from "./routes/staff-sign-in.tsx";
import { scheduled } from "./scheduled.ts";
import type { AppEnv } from "./types.ts";

export const app = new Hono<AppEnv>();

// Staff pages get their own CSP (default-src 'self', no script). Registered
// before the global headers: the outer middleware writes last, so it decides.
app.use(`${STAFF_PAGES_PATH}/*`, staffSecureHeaders);
app.use(`${STAFF_SIGN_IN_PATH}/*`, staffSecureHeaders);

// Server-rendered pages carry no script and only same-origin styles.
app.use(
  "*",
  secureHeaders({
    contentSecurityPolicy: {
      defaultSrc: ["'none'"],
      styleSrc: ["'self'"],
      imgSrc: ["'self'"],
      formAction: ["'self'"],
      baseUri: ["'none'"],
      frameAncestors: ["'none'"],
    },
    referrerPolicy: "strict-origin-when-cross-origin",
    crossOriginResourcePolicy: false,
  }),
);

app.route(CONSENT_PATH, consent);
app.route("/", privacy);

// One guard in front of every staff route, pages and JSON alike.
app.use(`${STAFF_PAGES_PATH}/*`, staffGuard);
app.use(`${STAFF_API_PATH}/*`, staffGuard);
app.route(STAFF_PAGES_PATH, staff);
app.route(STAFF_API_PATH, staffApi);
app.route(STAFF_SIGN_IN_PATH, staffSignIn);

app.notFound(handleNotFound);
app.onError(handleError);

// The app itself stays the default export (tests call `app.request()`), with
// the Cron Trigger handler beside `fetch` for the Workers runtime.
export default Object.assign(app, { scheduled }) satisfies ExportedHandler<Env>;
