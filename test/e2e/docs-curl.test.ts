/**
 * The curl examples of docs/api.md must work against a running worker exactly as
 * written (only the host is swapped for the test server's).
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, inject, it } from "vitest";
import { CHROMIUM } from "./browser.ts";

const API_DOC = readFileSync(join(import.meta.dirname, "..", "..", "docs", "api.md"), "utf8");

function shellBlockAfter(heading: string): string {
  const section = API_DOC.slice(API_DOC.indexOf(heading));
  const match = /```sh\n([\s\S]*?)```/.exec(section);
  if (!match?.[1]) throw new Error(`no sh block after ${heading}`);
  return match[1];
}

const hasCurl = (() => {
  try {
    execFileSync("sh", ["-c", "command -v curl"]);
    return true;
  } catch {
    return false;
  }
})();

// The shared worker is started by the e2e global setup, which needs Chromium.
describe.skipIf(!CHROMIUM || !hasCurl)("docs/api.md consent API examples", () => {
  it("post a consent (201), repeat it (200) and read the history", () => {
    const base = inject("baseUrl");
    const post = shellBlockAfter("## `POST /api/consent`").replaceAll("http://127.0.0.1:8787", base);
    const output = execFileSync("bash", ["-e", "-c", post], {
      encoding: "utf8",
      env: { ...process.env, PATH: process.env.PATH },
    });
    const statuses = [...output.matchAll(/HTTP\/1\.1 (\d{3})/g)].map((match) => match[1]);
    expect(statuses).toEqual(["201", "200"]);

    const history = shellBlockAfter("## `GET /api/consent/:consentId`").replaceAll("http://127.0.0.1:8787", base);
    const events = JSON.parse(execFileSync("bash", ["-e", "-c", history], { encoding: "utf8" })).events;
    expect(events).toHaveLength(1);
    expect(events[0].choices).toEqual({ analytics: true, functionality: false, targeting: false });
  });
});
