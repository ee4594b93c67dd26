/**
 * `npm run staff-token -- <name>`: makes a random staff token and prints the
 * entry for the `STAFF_TOKENS` secret (name -> SHA-256 hex of the token).
 * Give the token to the person; store only the digest.
 *
 * `npm run staff-token -- --revoke <name> [--config <file>]`: prints the
 * `wrangler d1 execute` command that ends every session of that token name
 * at once (the `staff_sessions` cut-off that sign-out also moves), without
 * changing the token. Administrators run it; the worker has no route for it,
 * so a stolen staff session cannot revoke anyone.
 */
import { createHash, randomBytes } from "node:crypto";

const NAME = /^[A-Za-z0-9._@-]{1,64}$/;
const USAGE =
  "usage: npm run staff-token -- <name>   (letters, digits, . _ @ -; at most 64)\n" +
  "       npm run staff-token -- --revoke <name> [--config wrangler.production.toml]";

const args = process.argv.slice(2);
const revoking = args[0] === "--revoke";
const name = (revoking ? args[1] : args[0]) ?? "";
if (!NAME.test(name)) {
  console.error(USAGE);
  process.exit(1);
}

if (revoking) {
  const configIndex = args.indexOf("--config");
  const config = configIndex >= 0 ? ` --config ${args[configIndex + 1] ?? ""}` : "";
  // The name is checked against NAME above, so it needs no escaping inside the SQL or the shell quotes.
  const sql =
    `INSERT INTO staff_sessions (name, valid_after) VALUES ('${name}', CAST(unixepoch('subsec') * 1000 AS INTEGER)) ` +
    "ON CONFLICT (name) DO UPDATE SET valid_after = max(valid_after, excluded.valid_after)";
  console.log(`Ends every session of ${name} now (Cloudflare Access sessions end in Access instead). Run:\n`);
  console.log(`  npx wrangler d1 execute opencontact-consent --remote${config} --command "${sql}"\n`);
  console.log(
    `To lock ${name} out for good, also remove the entry from STAFF_TOKENS (wrangler secret put STAFF_TOKENS).`,
  );
} else {
  const token = randomBytes(32).toString("base64url");
  const digest = createHash("sha256").update(token).digest("hex");
  console.log(`Token for ${name} (give it to them; it is not stored anywhere):\n  ${token}\n`);
  console.log(
    `Add this entry to the STAFF_TOKENS JSON object (wrangler secret put STAFF_TOKENS, or .dev.vars):\n  ${JSON.stringify({ [name]: digest })}`,
  );
}
