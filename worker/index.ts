/**
 * @module
 * The OpenContact Consent worker: builds the app from one sub-app per
 * resource. Static files (the widget, the demo page, styles) are served by
 * Workers static assets before this code runs.
 */
import { Hono } from "hono";
import { secureHeaders } from "hono/secure-headers";
import { CONSENT_PATH } from "../shared/api.ts";
import { handleError, handleNotFound } from "./lib/errors.ts";
import consent from "./routes/consent.ts";
import privacy from "./routes/privacy.tsx";
import type { AppEnv } from "./types.ts";

const app = new Hono<AppEnv>();

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

app.notFound(handleNotFound);
app.onError(handleError);

export default app;
