/**
 * The bench-only route (`worker/bench-entry.ts`) never ships: the production
 * app, what `wrangler.toml` deploys, has no `/api/bench/noop`.
 */
import { env } from "cloudflare:workers";
import { expect, it } from "vitest";
import app from "../../worker/index.ts";

it("has no bench route in the production app", async () => {
  const response = await app.request("/api/bench/noop", { method: "POST", body: "{}" }, env);
  expect(response.status).toBe(404);
  expect(((await response.json()) as { error: { code: string } }).error.code).toBe("not_found");
});
