/**
 * Entry for the benchmarks (`npm run bench:api`, `npm run bench:widget`):
 * installs the bench package's own dependencies when they are missing or
 * stale (`npm ci --prefix bench`), builds what the bench needs, then runs it.
 * The peers and the load generator live in bench/package.json so the
 * product's `npm ci` stays lean; none of them needs an install script.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT } from "./lib/worker-config.ts";

const BENCHES = { api: "./api.ts", widget: "./widget.ts", probes: "./probes.ts" } as const;

function run(command: string, args: string[]): void {
  const result = spawnSync(command, args, {
    cwd: REPO_ROOT,
    stdio: "inherit",
    env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
  });
  if (result.status !== 0) {
    console.error(`${command} ${args.join(" ")} failed`);
    process.exit(result.status ?? 1);
  }
}

/** npm writes node_modules/.package-lock.json on install; a different lockfile means stale. */
function benchDepsCurrent(): boolean {
  const installed = join(REPO_ROOT, "bench", "node_modules", ".package-lock.json");
  if (!existsSync(installed)) return false;
  const lock = JSON.parse(readFileSync(join(REPO_ROOT, "bench", "package-lock.json"), "utf8")) as {
    packages: Record<string, { version?: string }>;
  };
  const have = JSON.parse(readFileSync(installed, "utf8")) as { packages: Record<string, { version?: string }> };
  return Object.entries(lock.packages).every(
    ([path, entry]) => !path || have.packages[path]?.version === entry.version,
  );
}

const name = process.argv[2] as keyof typeof BENCHES | undefined;
if (!name || !(name in BENCHES)) {
  console.error(`usage: node bench/run.ts <${Object.keys(BENCHES).join("|")}> [options]`);
  process.exit(2);
}
if (!benchDepsCurrent()) run("npm", ["ci", "--prefix", "bench", "--no-audit", "--no-fund", "--ignore-scripts"]);
// Both benches need the widget bundle and the generated statement the worker serves.
run("npm", ["run", "build"]);
const bench = (await import(BENCHES[name])) as { main(argv: string[]): Promise<void> };
await bench.main(process.argv.slice(3));
