/**
 * @module
 * CSV cells and rows per RFC 4180 (fields with `"`, `,`, CR or LF are
 * quoted, quotes doubled, CRLF line ends), made safe to open in a spreadsheet:
 * a cell starting with `=`, `+`, `-`, `@`, tab or CR gets a leading `'` so it
 * is never read as a formula (OWASP ASVS 5.0 V1.2.10, "CSV injection"). A
 * cell that itself starts with `'` is prefixed too, so stripping one leading
 * `'` always restores the original value exactly.
 */

const FORMULA_START = /^[=+\-@\t\r']/;
const NEEDS_QUOTES = /[",\r\n]/;

export function csvCell(value: string | number | boolean | null): string {
  let text = value === null ? "" : String(value);
  if (FORMULA_START.test(text)) text = `'${text}`;
  return NEEDS_QUOTES.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvRow(values: readonly (string | number | boolean | null)[]): string {
  return `${values.map(csvCell).join(",")}\r\n`;
}
