/**
 * Runs the real worker for browser tests: `wrangler dev` on a free loopback
 * port with its own local D1 (the same migrations `npm start` applies), so a
 * test sees exactly what a visitor of `npm start` would.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

const ENV = { ...process.env, WRANGLER_SEND_METRICS: "false", NO_COLOR: "1" };

export interface WorkerServer {
  url: string;
  port: number;
  persistDir: string;
  stop(): Promise<void>;
}

export interface WorkerServerOptions {
  /** Reuse a port (to restart a stopped worker at the same origin). */
  port?: number;
  /** Reuse a local D1 (to keep the log across a restart). */
  persistDir?: string;
  /** Extra `--var NAME:VALUE` settings. */
  vars?: Record<string, string>;
  /** Extra `wrangler dev` arguments, e.g. the bench configuration's (bench/lib/worker-config.ts). */
  args?: string[];
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Where local D1 folders go: the browser tests' global setup makes one folder
 * per run and removes it at teardown (vitest ends its workers without an
 * `exit` event); elsewhere (benches) the system temp folder.
 */
export const E2E_TMP_ENV = "OPENCONTACT_E2E_TMP";

/** Local D1 folders this process made: removed when it exits, so a stopped worker's log stays readable until then. */
const madeDirs: string[] = [];

export function newPersistDir(): string {
  const dir = mkdtempSync(join(process.env[E2E_TMP_ENV] || tmpdir(), "opencontact-e2e-"));
  if (madeDirs.push(dir) === 1) {
    process.once("exit", () => {
      for (const made of madeDirs) rmSync(made, { recursive: true, force: true });
    });
  }
  const migrate = spawnSync(
    "npx",
    ["wrangler", "d1", "migrations", "apply", "opencontact-consent", "--local", "--persist-to", dir],
    { env: ENV, encoding: "utf8" },
  );
  if (migrate.status !== 0) throw new Error(`migrations failed:\n${migrate.stdout}\n${migrate.stderr}`);
  return dir;
}

async function waitForReady(url: string, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited early:\n${log()}`);
    try {
      const response = await fetch(`${url}/privacy.json`);
      if (response.ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`wrangler dev did not answer within 60 s:\n${log()}`);
}

export async function startWorker(options: WorkerServerOptions = {}): Promise<WorkerServer> {
  const port = options.port ?? (await freePort());
  const persistDir = options.persistDir ?? newPersistDir();
  const url = `http://127.0.0.1:${port}`;
  const vars = { ALLOWED_ORIGINS: `${url},http://localhost:${port}`, ...options.vars };
  const args = ["wrangler", "dev", "--ip", "127.0.0.1", "--port", String(port), "--persist-to", persistDir];
  for (const [name, value] of Object.entries(vars)) args.push("--var", `${name}:${value}`);
  args.push(...(options.args ?? []));
  const child = spawn("npx", args, { env: ENV, stdio: ["ignore", "pipe", "pipe"], detached: true });
  let output = "";
  child.stdout?.on("data", (chunk) => {
    output += chunk;
  });
  child.stderr?.on("data", (chunk) => {
    output += chunk;
  });
  const stop = async () => {
    if (child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    // wrangler dev starts workerd as a child: end the whole process group.
    if (child.pid) process.kill(-child.pid, "SIGTERM");
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000))]);
    if (child.exitCode === null && child.pid) process.kill(-child.pid, "SIGKILL");
  };
  try {
    await waitForReady(url, child, () => output);
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, port, persistDir, stop };
}

/** Reads the local D1 of a (running or stopped) worker with `wrangler d1 execute`. */
export function queryD1<Row = Record<string, unknown>>(persistDir: string, sql: string): Row[] {
  const result = spawnSync(
    "npx",
    [
      "wrangler",
      "d1",
      "execute",
      "opencontact-consent",
      "--local",
      "--persist-to",
      persistDir,
      "--json",
      "--command",
      sql,
    ],
    { env: ENV, encoding: "utf8" },
  );
  if (result.status !== 0) throw new Error(`d1 execute failed:\n${result.stdout}\n${result.stderr}`);
  const parsed = JSON.parse(result.stdout) as { results: Row[] }[];
  return parsed.flatMap((statement) => statement.results);
}
