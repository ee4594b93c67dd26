/**
 * CSV cells: a property test over random strings that no exported cell can
 * start a spreadsheet formula (OWASP ASVS "CSV injection") and that every
 * cell round-trips through an RFC 4180 parser once the one added `'` goes.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { csvCell, csvRow } from "../../worker/lib/csv.ts";
import { parseCsv } from "./staff-helpers.ts";

const FORMULA_START = /^[=+\-@\t\r]/;

/** What a reader does to get the value back: drop the one guard quote. */
function unguard(cell: string): string {
  return cell.startsWith("'") ? cell.slice(1) : cell;
}

const risky = fc.oneof(
  fc.string({ unit: "grapheme" }),
  fc.string({ unit: "binary" }),
  fc
    .tuple(fc.constantFrom("=", "+", "-", "@", "\t", "\r", "'", '"', ",", "\n", "\r\n"), fc.string())
    .map(([head, tail]) => head + tail),
);

describe("csvCell", () => {
  it("never starts a formula and round-trips every string", () => {
    fc.assert(
      fc.property(fc.array(risky, { minLength: 1, maxLength: 6 }), (values) => {
        const rows = parseCsv(csvRow(values));
        expect(rows).toHaveLength(1);
        const cells = rows[0] ?? [];
        expect(cells).toHaveLength(values.length);
        cells.forEach((cell, index) => {
          expect(cell).not.toMatch(FORMULA_START);
          expect(unguard(cell)).toBe(values[index]);
        });
      }),
      { numRuns: 1000 },
    );
  });

  it("quotes per RFC 4180 and prefixes per OWASP", () => {
    expect(csvCell("plain")).toBe("plain");
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell("a,b")).toBe('"a,b"');
    expect(csvCell("line\nbreak")).toBe('"line\nbreak"');
    expect(csvCell("=1+1")).toBe("'=1+1");
    expect(csvCell("-2")).toBe("'-2");
    expect(csvCell("@SUM(A1)")).toBe("'@SUM(A1)");
    expect(csvCell("\tx")).toBe("'\tx");
    expect(csvCell("\rx")).toBe('"\'\rx"');
    expect(csvCell(null)).toBe("");
    expect(csvCell(true)).toBe("true");
    expect(csvRow(["a", "b"])).toBe("a,b\r\n");
  });
});
