/**
 * @module
 * How parts are named: one rule for the core (widget/parts.ts) and the build
 * (vite.config.ts), which imports it without the browser-only loader.
 */

/**
 * A part's file, relative to the core's own URL: its name and the first ten letters and digits
 * of its SRI digest (`sha256-…`), so one name never serves two contents and the core carries one
 * hash per part, not a name beside it.
 */
export function partFile(name: string, integrity: string): string {
  return `parts/${name}.${integrity.slice(7).replace(/\W/g, "").slice(0, 10)}.js`;
}
