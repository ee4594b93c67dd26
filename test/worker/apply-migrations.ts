// Every worker test file starts from the real schema: the same numbered
// migrations `wrangler d1 migrations apply` runs. Idempotent per file.
import { applyD1Migrations } from "cloudflare:test";
import { env } from "cloudflare:workers";

await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
