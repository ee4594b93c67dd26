/**
 * `npm start`: everything a new user needs to see the product locally, with
 * no Cloudflare account. Creates `.dev.vars` on first run, builds what the
 * worker serves, applies the migrations to the local D1 and runs `wrangler dev`,
 * allowing the demo's own origins on `PORT` plus any the developer lists
 * under `ALLOWED_ORIGINS` in `.dev.vars` (wrangler.toml stays as the tests read it).
 */
import { spawn, spawnSync } from "node:child_process";
import { copyFileSync, existsSync, readFileSync } from "node:fs";
import { parseEnv } from "node:util";

const HOST = "127.0.0.1";

/**
 * The origins `wrangler dev` allows: the demo's own on `port` (both names a
 * browser may use for it), then each origin in `ALLOWED_ORIGINS` of the
 * `.dev.vars` text, normalised as browsers send them, without repeats. An
 * entry that is not an origin is left out and reported.
 */
export function localAllowedOrigins(port: string, devVars: string): { origins: string[]; rejected: string[] } {
  const origins = new Set([`http://${HOST}:${port}`, `http://localhost:${port}`]);
  const rejected: string[] = [];
  for (const entry of (parseEnv(devVars).ALLOWED_ORIGINS ?? "").split(",")) {
    const trimmed = entry.trim();
    if (!trimmed) continue;
    try {
      const { origin } = new URL(trimmed);
      if (origin === "null") throw new TypeError("not a web origin");
      origins.add(origin);
    } catch {
      rejected.push(trimmed);
    }
  }
  return { origins: [...origins], rejected };
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
  const { origins, rejected } = localAllowedOrigins(
    PORT,
    existsSync(".dev.vars") ? readFileSync(".dev.vars", "utf8") : "",
  );
  for (const entry of rejected) {
    console.error(
      `ALLOWED_ORIGINS in .dev.vars: ${JSON.stringify(entry)} is not an origin (scheme://host[:port]); left out`,
    );
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
    (add yours to ALLOWED_ORIGINS in .dev.vars, comma-separated)
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
