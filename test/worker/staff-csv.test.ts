/**
 * CSV cells: a property test over random strings that no exported cell can
 * start a spreadsheet formula (OWASP ASVS "CSV injection") and that every
 * cell round-trips through an RFC 4180 parser once the one added `'` goes.
 * And the export's own audit: a client that stops reading partway is
 * recorded with the rows it actually received.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { csvCell, csvRow } from "../../worker/lib/csv.ts";
import { freshLog, newEvent, seed } from "./helpers.ts";
import { auditRows, parseCsv, staffRequest } from "./staff-helpers.ts";

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

describe("a cancelled CSV export", () => {
  const SEEDED = 400;

  async function startExport(): Promise<ReadableStream<Uint8Array>> {
    await freshLog();
    await seed(Array.from({ length: SEEDED }, () => newEvent()));
    const response = await staffRequest("/api/staff/events.csv");
    expect(response.status).toBe(200);
    return response.body as ReadableStream<Uint8Array>;
  }

  /** Complete data rows in what the client read (the header and a cut-off last row do not count). */
  function completeRows(text: string): number {
    return text.split("\r\n").length - 2;
  }

  async function exportDone(): Promise<number | null | undefined> {
    return (await auditRows()).find((row) => row.action === "export_csv_done")?.row_count;
  }

  it("records the rows a client reading into its own small buffer took, cut row excluded", async () => {
    const reader = (await startExport()).getReader({ mode: "byob" });
    const decoder = new TextDecoder();
    let text = "";
    for (let read = 0; read < 3; read++) {
      const { value } = await reader.read(new Uint8Array(4096));
      text += decoder.decode(value, { stream: true });
    }
    await reader.cancel();
    const received = completeRows(text);
    expect(received).toBeGreaterThan(0);
    expect(received).toBeLessThan(SEEDED);
    expect(await exportDone()).toBe(received);
  });

  it("records the rows of the chunks a default reader pulled, not the batch waiting behind them", async () => {
    const reader = (await startExport()).getReader();
    const decoder = new TextDecoder();
    let text = "";
    while (!text.includes("\r\n") || completeRows(text) < 1) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
    await reader.cancel();
    const received = completeRows(text);
    expect(received).toBeLessThan(SEEDED);
    expect(await exportDone()).toBe(received);
  });
});
