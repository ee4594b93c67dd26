/**
 * The staff setup a new user meets: the sign-in `npm start` prints works with
 * the `.dev.vars` it creates, `npm run staff-token` makes entries the worker
 * accepts, and wrangler.toml schedules the retention purge with the
 * documented defaults and declares the secret (so `wrangler types` never
 * depends on a local .dev.vars).
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "..", "..");
const read = (path: string) => readFileSync(join(root, path), "utf8");
const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

describe("staff setup", () => {
  it("prints a local sign-in that matches the token in .dev.vars.example", () => {
    const printed = /token name "([^"]+)" and token "([^"]+)"/.exec(read("scripts/start.ts"));
    expect(printed).not.toBeNull();
    const [, name = "", token = ""] = printed ?? [];
    const line = read(".dev.vars.example")
      .split("\n")
      .find((entry) => entry.startsWith("STAFF_TOKENS="));
    const tokens = JSON.parse(line?.slice("STAFF_TOKENS=".length) ?? "{}") as Record<string, string>;
    expect(tokens[name]).toBe(sha256(token));
    // The README tells the same story.
    expect(read("README.md")).toContain(`name **\`${name}\`**, token **\`${token}\`**`);
  });

  it("makes a random token whose printed entry is its SHA-256", () => {
    const output = execFileSync(process.execPath, [join(root, "scripts/staff-token.ts"), "alice"], {
      encoding: "utf8",
    });
    const token = /\n {2}(\S{43})\n/.exec(output)?.[1] ?? "";
    const entry = JSON.parse(/\n {2}(\{.*\})/.exec(output)?.[1] ?? "{}") as Record<string, string>;
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(entry).toEqual({ alice: sha256(token) });
    expect(() =>
      execFileSync(process.execPath, [join(root, "scripts/staff-token.ts"), "no spaces"], { stdio: "ignore" }),
    ).toThrow();
  });

  it("schedules the daily purge with the documented defaults and declares the staff secrets", () => {
    const config = read("wrangler.toml");
    expect(config).toMatch(/^\[triggers\]\ncrons = \["17 3 \* \* \*"\]$/m);
    expect(config).toMatch(/^RETENTION_DAYS = "730"$/m);
    expect(config).toMatch(/^AUDIT_RETENTION_DAYS = "\d+"$/m);
    expect(config).toMatch(/^ACCESS_TEAM_DOMAIN = ""$/m);
    expect(config).toMatch(/^ACCESS_AUD = ""$/m);
    // Every secret the worker reads is declared, so wrangler refuses a deploy without one.
    const required = /^\[secrets\]\nrequired = (\[.*\])$/m.exec(config)?.[1] ?? "[]";
    expect(JSON.parse(required).sort()).toEqual([
      "CHECKPOINT_KEY",
      "RECEIPT_SIGNING_KEYS",
      "SESSION_SECRET",
      "STAFF_TOKENS",
    ]);
  });
});
