/**
 * @module
 * Token sign-in for the staff pages (`/staff-sign-in`), outside the guarded
 * `/staff` tree so the guard has no exceptions. A correct name and token set
 * an HttpOnly, SameSite=Strict session cookie (worker/lib/auth/session.ts);
 * Cloudflare Access deployments never need this page.
 */
import { Hono } from "hono";
import { setCookie } from "hono/cookie";
import { csrf } from "hono/csrf";
import { safeNext } from "../lib/auth/guard.tsx";
import { createSession, SESSION_COOKIE, SESSION_SECONDS } from "../lib/auth/session.ts";
import { parseStaffTokens, verifyStaffToken } from "../lib/auth/tokens.ts";
import type { AppEnv } from "../types.ts";
import { SignInPage } from "../views/staff/shell.tsx";

const staffSignIn = new Hono<AppEnv>();

// A sign-in form posted from another site is refused (login CSRF).
staffSignIn.use("*", csrf());

staffSignIn.get("/", (c) => {
  c.header("Cache-Control", "no-store");
  return c.html(<SignInPage next={safeNext(c.req.query("next"))} />);
});

staffSignIn.post("/", async (c) => {
  c.header("Cache-Control", "no-store");
  const form = await c.req.parseBody();
  const name = typeof form.name === "string" ? form.name.trim() : "";
  const token = typeof form.token === "string" ? form.token : "";
  const next = safeNext(typeof form.next === "string" ? form.next : undefined);
  const tokens = parseStaffTokens(c.env.STAFF_TOKENS);
  const key = tokens.get(name);
  if (!(await verifyStaffToken(tokens, name, token)) || !key) {
    return c.html(<SignInPage next={next} name={name} message="That token name and token do not match." />, 401);
  }
  const expires = Math.floor(Date.now() / 1000) + SESSION_SECONDS;
  setCookie(c, SESSION_COOKIE, await createSession(name, key, expires), {
    path: "/",
    httpOnly: true,
    sameSite: "Strict",
    secure: new URL(c.req.url).protocol === "https:",
    maxAge: SESSION_SECONDS,
  });
  return c.redirect(next, 303);
});

export default staffSignIn;
