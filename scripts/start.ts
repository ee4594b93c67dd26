/**
 * `npm start`: everything a new user needs to see the product locally, with
 * no Cloudflare account. Creates `.dev.vars` on first run, builds what the
 * worker serves, applies the migrations to the local D1 and runs `wrangler dev`,
 * allowing the demo's own origins on `PORT` plus any the developer lists
 * under `DEV_ALLOWED_ORIGINS` in `.dev.vars` (wrangler.toml stays as the tests read it).
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
    (the local-only token in .dev.vars; make real ones with npm run staff-token -- <name>)
`);

  // --var outranks both wrangler.toml's [vars] and .dev.vars, so the merged list is what the worker sees.
  const dev = spawn(
    "npx",
    ["wrangler", "dev", "--ip", HOST, "--port", PORT, "--var", `ALLOWED_ORIGINS:${origins.join(",")}`],
    { stdio: "inherit", env },
  );
  for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => dev.kill(signal));
  dev.on("exit", (code) => process.exit(code ?? 0));
}
