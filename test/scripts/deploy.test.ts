/**
 * `npm run deploy` refuses a configuration that cannot be production: the
 * placeholder D1 id, an allow-list with local origins only, or a secrets file
 * holding a public local value. The refusal comes before any check runs, so
 * it is fast and needs no account. Also: the revoke command `npm run
 * staff-token -- --revoke` prints runs against a real local D1.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { unstable_readConfig } from "wrangler";
import { checkConfig, checkSecrets, PLACEHOLDER_DATABASE_ID } from "../../scripts/deploy.ts";

const REPO_CONFIG = readFileSync("wrangler.toml", "utf8");
const EXAMPLE_SECRETS = readFileSync(".dev.vars.example", "utf8");
const DEV_DIGEST = /"dev":"([0-9a-f]{64})"/.exec(EXAMPLE_SECRETS)?.[1] ?? "";
const GOOD_SECRETS = {
  STAFF_TOKENS: JSON.stringify({ alice: "ab".repeat(32) }),
  SESSION_SECRET: "k3v9Qx7T2mLp8Rz4Wc6Yb1Nd5Hf0Gj3Sa9Ue2Io7",
};
const REAL_ID = "3f2a9c1e-7b4d-4e2f-9a8b-1c2d3e4f5a6b";

/** The repository's wrangler.toml as a site owner would edit it for production. */
function productionConfig(): string {
  return REPO_CONFIG.replace(PLACEHOLDER_DATABASE_ID, REAL_ID)
    .replace(/^ALLOWED_ORIGINS = ".*"$/m, 'ALLOWED_ORIGINS = "https://www.opencontact.co.uk,https://opencontact.co.uk"')
    .replace(/^ACCESS_TEAM_DOMAIN = ".*"$/m, 'ACCESS_TEAM_DOMAIN = "opencontact.cloudflareaccess.com"')
    .replace(/^ACCESS_AUD = ".*"$/m, 'ACCESS_AUD = "4714c1358e65fe4b408ad6d432a5f878f08194bdb4752441fd56faefa9b2b6f2"');
}

describe("deploy configuration check", () => {
  it("refuses the repository's wrangler.toml as committed: placeholder id, local origins", () => {
    const { errors } = checkConfig(REPO_CONFIG);
    expect(errors.join("\n")).toContain(PLACEHOLDER_DATABASE_ID);
    expect(errors.join("\n")).toContain("--jurisdiction eu");
    expect(errors.join("\n")).toContain("ALLOWED_ORIGINS");
  });

  it("accepts a configuration with a real id, site origins and Access settings", () => {
    expect(checkConfig(productionConfig())).toEqual({ errors: [], warnings: [], databaseName: "opencontact-consent" });
  });

  it("refuses a missing database_id too", () => {
    const config = productionConfig().replace(/^database_id = .*$/m, "");
    expect(checkConfig(config).errors).toHaveLength(1);
  });

  it("warns, without refusing, when Cloudflare Access is not configured", () => {
    const config = productionConfig().replace(/^ACCESS_AUD = ".*"$/m, 'ACCESS_AUD = ""');
    const report = checkConfig(config);
    expect(report.errors).toEqual([]);
    expect(report.warnings.join("\n")).toContain("ACCESS_AUD");
  });

  it("npm run deploy exits non-zero on the placeholder id before running any check", () => {
    const dir = mkdtempSync(join(tmpdir(), "opencontact-deploy-test-"));
    const config = join(dir, "wrangler.toml");
    writeFileSync(
      config,
      REPO_CONFIG.replace(/^ALLOWED_ORIGINS = ".*"$/m, 'ALLOWED_ORIGINS = "https://www.opencontact.co.uk"'),
    );
    const result = spawnSync(process.execPath, ["scripts/deploy.ts", "--config", config], { encoding: "utf8" });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`placeholder database_id ${PLACEHOLDER_DATABASE_ID}`);
    expect(result.stderr).toContain("Refusing to deploy");
    // Nothing ran: no test, no build, no wrangler.
    expect(result.stdout).not.toContain("▶");
  });
});

describe("deploy secrets check", () => {
  it("refuses the public values of .dev.vars.example, as a dotenv file or JSON", () => {
    const asDotenv = checkSecrets(EXAMPLE_SECRETS, EXAMPLE_SECRETS).join("\n");
    expect(asDotenv).toContain("STAFF_TOKENS");
    expect(asDotenv).toContain("public local development token");
    expect(asDotenv).toContain("SESSION_SECRET");
    const mixed = { ...GOOD_SECRETS, STAFF_TOKENS: JSON.stringify({ alice: "ab".repeat(32), ops: DEV_DIGEST }) };
    expect(checkSecrets(JSON.stringify(mixed), EXAMPLE_SECRETS)).toHaveLength(1);
  });

  it("refuses a short session secret and a STAFF_TOKENS that is not a JSON object", () => {
    const errors = checkSecrets(
      JSON.stringify({ STAFF_TOKENS: "alice:abc", SESSION_SECRET: "short" }),
      EXAMPLE_SECRETS,
    ).join("\n");
    expect(errors).toContain("not a JSON object");
    expect(errors).toContain("shorter than 32 characters");
  });

  it("accepts real values, and a file that only changes some secrets", () => {
    expect(checkSecrets(JSON.stringify(GOOD_SECRETS), EXAMPLE_SECRETS)).toEqual([]);
    expect(checkSecrets(`STAFF_TOKENS={}\n`, EXAMPLE_SECRETS)).toEqual([]);
  });

  it("npm run deploy exits non-zero on a secrets file with the dev token, before running any check", () => {
    const dir = mkdtempSync(join(tmpdir(), "opencontact-deploy-test-"));
    const config = join(dir, "wrangler.production.toml");
    writeFileSync(config, productionConfig());
    const secrets = join(dir, "secrets.json");
    writeFileSync(secrets, JSON.stringify({ ...GOOD_SECRETS, STAFF_TOKENS: JSON.stringify({ dev: DEV_DIGEST }) }));
    const result = spawnSync(process.execPath, ["scripts/deploy.ts", "--config", config, "--secrets-file", secrets], {
      encoding: "utf8",
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("public local development token");
    expect(result.stderr).toContain("Refusing to deploy");
    expect(result.stdout).not.toContain("▶");
  });

  it("refuses a rules-by-region setting the worker would ignore, naming the var", () => {
    const config = productionConfig().replace(/^UK_EXCEPTION = ".*"$/m, 'UK_EXCEPTION = "analytics,targeting"');
    expect(config).toContain('UK_EXCEPTION = "analytics,targeting"');
    const { errors } = checkConfig(config, "wrangler.production.toml");
    expect(errors.join("\n")).toMatch(/wrangler\.production\.toml: UK_EXCEPTION "analytics,targeting" is not/);
    expect(checkConfig(productionConfig(), "wrangler.production.toml").errors).toEqual([]);
  });

  it("npm run deploy asks for the live release (or --first-deploy) before running any check", () => {
    const dir = mkdtempSync(join(tmpdir(), "opencontact-deploy-test-"));
    const config = join(dir, "wrangler.production.toml");
    writeFileSync(config, productionConfig());
    const result = spawnSync(process.execPath, ["scripts/deploy.ts", "--config", config], { encoding: "utf8" });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("--previous-release https://<your consent host>");
    expect(result.stdout).not.toContain("▶");
  });
});

describe("staff-token --revoke", () => {
  it("prints a wrangler d1 execute command whose SQL ends the sessions in a real local D1", () => {
    const env = { ...process.env, WRANGLER_SEND_METRICS: "false", NO_COLOR: "1" };
    const printed = spawnSync(process.execPath, ["scripts/staff-token.ts", "--revoke", "alice"], {
      encoding: "utf8",
    }).stdout;
    const sql = /--command "([^"]+)"/.exec(printed)?.[1] ?? "";
    expect(printed).toContain("npx wrangler d1 execute opencontact-consent --remote --command");
    expect(sql).toMatch(/^INSERT INTO staff_sessions/);
    const dir = mkdtempSync(join(tmpdir(), "opencontact-revoke-test-"));
    const wrangler = (...args: string[]) =>
      spawnSync("npx", ["wrangler", "d1", ...args, "opencontact-consent", "--local", "--persist-to", dir], {
        encoding: "utf8",
        env,
      });
    expect(wrangler("migrations", "apply").status).toBe(0);
    const before = Date.now();
    const read = wrangler("execute", "--json", "--command", `${sql}; SELECT name, valid_after FROM staff_sessions`);
    expect(read.status).toBe(0);
    const rows = (JSON.parse(read.stdout) as { results: { name: string; valid_after: number }[] }[]).at(-1)?.results;
    expect(rows).toHaveLength(1);
    expect(rows?.[0]?.name).toBe("alice");
    expect(rows?.[0]?.valid_after).toBeGreaterThanOrEqual(before - 1000);
    expect(rows?.[0]?.valid_after).toBeLessThanOrEqual(Date.now() + 1000);
  }, 120_000);
});

describe("what production logs", () => {
  it("keeps no per-request invocation log (URLs carry consent ids) and no traces, as wrangler reads the file", () => {
    const { observability } = unstable_readConfig({ config: "wrangler.toml" });
    expect(observability?.logs?.invocation_logs).toBe(false);
    expect(observability?.traces?.enabled).toBe(false);
  });
});
