/**
 * `npm start`: everything a new user needs to see the product locally, with
 * no Cloudflare account. Creates `.dev.vars` on first run, builds what the
 * worker serves, applies the migrations to the local D1 and runs `wrangler dev`.
 */
import { spawn, spawnSync } from "node:child_process";
import { copyFileSync, existsSync } from "node:fs";

const HOST = "127.0.0.1";
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

run("npm", ["run", "build"]);
run("npx", ["wrangler", "d1", "migrations", "apply", "opencontact-consent", "--local"]);

const base = `http://${HOST}:${PORT}`;
console.log(`
OpenContact Consent is starting on ${base}
  Demo site with the widget   ${base}/
  Privacy statement           ${base}/privacy
  Consent API                 ${base}/api/consent
  Staff consent log           ${base}/staff
    sign in with token name "dev" and token "opencontact-local-staff-token"
    (the local-only token in .dev.vars; make real ones with npm run staff-token -- <name>)
`);

const dev = spawn("npx", ["wrangler", "dev", "--ip", HOST, "--port", PORT], { stdio: "inherit", env });
for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => dev.kill(signal));
dev.on("exit", (code) => process.exit(code ?? 0));
