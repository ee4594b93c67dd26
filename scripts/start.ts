/**
 * `npm start`: everything a new user needs to see the product locally, with
 * no Cloudflare account. Creates `.dev.vars` on first run, builds what the
 * worker serves, applies the migrations to the local D1 and runs `wrangler dev`,
 * allowing the demo's own origins on `PORT` plus any the developer lists
 * under `DEV_ALLOWED_ORIGINS` in `.dev.vars` (wrangler.toml stays as the tests read it).
 * `npm start -- --country GB` plays a visitor from that country (rules by
 * region, issue 14): `DEV_FORCE_COUNTRY`, with the UK exception on for
 * analytics unless `.dev.vars` sets it, so the demo shows the UK banner.
 */
import { spawn, spawnSync } from "node:child_process";
import { copyFileSync, existsSync, readFileSync } from "node:fs";
import { parseEnv } from "node:util";

const HOST = "127.0.0.1";

/** The `.dev.vars` key `npm start` reads. Not `ALLOWED_ORIGINS`: the worker tests read `.dev.vars` too, and that would replace the origins they post from. */
export const DEV_ALLOWED_ORIGINS = "DEV_ALLOWED_ORIGINS";

/**
 * The origins `wrangler dev` allows: the demo's own on `port` (both names a
 * browser may use for it), then each origin in `DEV_ALLOWED_ORIGINS` of the
 * `.dev.vars` text, normalised as browsers send them, without repeats.
 * `problems` says what to change in `.dev.vars`, one line each.
 */
export function localAllowedOrigins(port: string, devVars: string): { origins: string[]; problems: string[] } {
  const vars = parseEnv(devVars);
  const origins = new Set([`http://${HOST}:${port}`, `http://localhost:${port}`]);
  const problems: string[] = [];
  if (vars.ALLOWED_ORIGINS !== undefined) {
    problems.push(
      `.dev.vars: ALLOWED_ORIGINS there replaces wrangler.toml's for wrangler dev and the tests; rename it ${DEV_ALLOWED_ORIGINS}`,
    );
  }
  for (const entry of (vars[DEV_ALLOWED_ORIGINS] ?? "").split(",")) {
    const trimmed = entry.trim();
    if (!trimmed) continue;
    try {
      const { origin } = new URL(trimmed);
      if (origin === "null") throw new TypeError("not a web origin");
      origins.add(origin);
    } catch {
      problems.push(
        `.dev.vars: ${DEV_ALLOWED_ORIGINS} entry ${JSON.stringify(trimmed)} is not an origin (scheme://host[:port]); left out`,
      );
    }
  }
  return { origins: [...origins], problems };
}

/**
 * The `--var` pairs `--country <XX>` in `argv` adds for `wrangler dev`: the forced country, and
 * `UK_EXCEPTION=analytics` unless the `.dev.vars` text sets it (the rule set differs only with the
 * exception on). `problem` says what to change when the value is not two letters.
 */
export function countryVars(argv: readonly string[], devVars: string): { vars: string[]; problem?: string } {
  const index = argv.indexOf("--country");
  if (index < 0) return { vars: [] };
  const country = argv[index + 1]?.toUpperCase() ?? "";
  if (!/^[A-Z]{2}$/.test(country))
    return { vars: [], problem: `--country ${argv[index + 1] ?? ""}: use two letters, e.g. GB or DE` };
  const vars = [`DEV_FORCE_COUNTRY:${country}`];
  if (!parseEnv(devVars).UK_EXCEPTION) vars.push("UK_EXCEPTION:analytics");
  return { vars };
}

if (import.meta.main) {
  const PORT = process.env.PORT ?? "8787";
  const env = { ...process.env, WRANGLER_SEND_METRICS: "false" };

  function run(command: string, args: string[]) {
    const result = spawnSync(command, args, { stdio: "inherit", env });
    if (result.status !== 0) {
      console.error(`\n${command} ${args.join(" ")} failed`);
      process.exit(result.status ?? 1);
    }
  }

  if (!existsSync(".dev.vars") && existsSync(".dev.vars.example")) {
    copyFileSync(".dev.vars.example", ".dev.vars");
    console.log("Created .dev.vars from .dev.vars.example (local secrets for development only).");
  }
  const { origins, problems } = localAllowedOrigins(
    PORT,
    existsSync(".dev.vars") ? readFileSync(".dev.vars", "utf8") : "",
  );
  for (const problem of problems) console.error(problem);
  const country = countryVars(process.argv.slice(2), existsSync(".dev.vars") ? readFileSync(".dev.vars", "utf8") : "");
  if (country.problem) {
    console.error(country.problem);
    process.exit(1);
  }

  run("npm", ["run", "build"]);
  run("npx", ["wrangler", "d1", "migrations", "apply", "opencontact-consent", "--local"]);

  const base = `http://${HOST}:${PORT}`;
  console.log(`
OpenContact Consent is starting on ${base}
  Demo site with the widget   ${base}/
  Privacy statement           ${base}/privacy
  Consent API                 ${base}/api/consent
    sites allowed to post     ${origins.join(", ")}
    (add yours to ${DEV_ALLOWED_ORIGINS} in .dev.vars, comma-separated)
  Staff consent log           ${base}/staff
    sign in with token name "dev" and token "opencontact-local-staff-token"
    (the local-only token in .dev.vars; make real ones with npm run staff-token -- <name>)${
      country.vars.length ? `\n  Visitors play              ${country.vars.join(", ").replaceAll(":", "=")}` : ""
    }
`);

  // --var outranks both wrangler.toml's [vars] and .dev.vars, so the merged list is what the worker sees.
  const dev = spawn(
    "npx",
    [
      ...["wrangler", "dev", "--ip", HOST, "--port", PORT, "--var", `ALLOWED_ORIGINS:${origins.join(",")}`],
      ...country.vars.flatMap((pair) => ["--var", pair]),
    ],
    { stdio: "inherit", env },
  );
  for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => dev.kill(signal));
  dev.on("exit", (code) => process.exit(code ?? 0));
}
