/**
 * `npm run deploy` refuses a configuration that cannot be production: the
 * placeholder D1 id, or an allow-list with local origins only. The refusal
 * comes before any check runs, so it is fast and needs no account.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { unstable_readConfig } from "wrangler";
import { checkConfig, PLACEHOLDER_DATABASE_ID } from "../../scripts/deploy.ts";

const REPO_CONFIG = readFileSync("wrangler.toml", "utf8");
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

describe("what production logs", () => {
  it("keeps no per-request invocation log (URLs carry consent ids) and no traces, as wrangler reads the file", () => {
    const { observability } = unstable_readConfig({ config: "wrangler.toml" });
    expect(observability?.logs?.invocation_logs).toBe(false);
    expect(observability?.traces?.enabled).toBe(false);
  });
});
