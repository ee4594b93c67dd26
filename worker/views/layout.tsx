/**
 * @module
 * The HTML shell of every server-rendered page: language, viewport, one
 * same-origin stylesheet (the CSP allows no inline style or script).
 */
import { raw } from "hono/html";
import type { Child } from "hono/jsx";

export interface LayoutProps {
  title: string;
  lang?: string;
  /** Extra same-origin stylesheets after the shared one (e.g. the staff pages'). */
  stylesheets?: string[];
  children: Child;
}

export function Layout({ title, lang = "en-GB", stylesheets = [], children }: LayoutProps) {
  return (
    <>
      {raw("<!doctype html>")}
      <html lang={lang}>
        <head>
          <meta charset="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          <title>{title}</title>
          <link rel="stylesheet" href="/assets/pages.css" />
          {stylesheets.map((href) => (
            <link rel="stylesheet" href={href} />
          ))}
        </head>
        <body>{children}</body>
      </html>
    </>
  );
}
