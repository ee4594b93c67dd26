/**
 * `npm run staff-token -- <name>`: makes a random staff token and prints the
 * entry for the `STAFF_TOKENS` secret (name -> SHA-256 hex of the token).
 * Give the token to the person; store only the digest.
 */
import { createHash, randomBytes } from "node:crypto";

const name = process.argv[2] ?? "";
if (!/^[A-Za-z0-9._@-]{1,64}$/.test(name)) {
  console.error("usage: npm run staff-token -- <name>   (letters, digits, . _ @ -; at most 64)");
  process.exit(1);
}
const token = randomBytes(32).toString("base64url");
const digest = createHash("sha256").update(token).digest("hex");
console.log(`Token for ${name} (give it to them; it is not stored anywhere):\n  ${token}\n`);
console.log(
  `Add this entry to the STAFF_TOKENS JSON object (wrangler secret put STAFF_TOKENS, or .dev.vars):\n  ${JSON.stringify({ [name]: digest })}`,
);
