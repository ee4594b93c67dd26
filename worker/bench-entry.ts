/**
 * @module
 * Bench-only worker entry: the production app plus one bare Hono route,
 * `POST /api/bench/noop`, that does no work, so `npm run bench:api` can set
 * the consent route's cost beside the framework's own in the same run.
 *
 * Never deployed: `wrangler.toml`'s `main` is `worker/index.ts`; only the
 * temporary configuration that `bench/lib/worker-config.ts` writes for a
 * bench or load run points here. Production therefore has no such route,
 * with no flag to forget.
 */
import worker, { app } from "./index.ts";

// Behind the same global middleware as every other route (secure headers, error handler).
// (A module entry may export only handlers, so the path is not exported.)
app.post("/api/bench/noop", (c) => c.json({ ok: true }));

export default worker;
