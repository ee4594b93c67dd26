/**
 * @module
 * `/.well-known/consent-receipt-keys` (RFC 8615): the public keys that verify
 * consent receipts, as a JWK Set (RFC 7517 §5). Every key ever used stays
 * listed, so a receipt remains verifiable after its key was rotated out.
 */
import { Hono } from "hono";
import { RECEIPT_KEYS_PATH } from "../../shared/api.ts";
import { receiptKeys } from "../lib/receipts.ts";
import type { AppEnv } from "../types.ts";

/** Long enough to spare the worker, short next to the wait between publishing a key and signing with it (docs/proof.md). */
const KEYS_CACHE = "public, max-age=3600";

const wellKnown = new Hono<AppEnv>();

wellKnown.get(RECEIPT_KEYS_PATH, (c) => {
  const { published } = receiptKeys(c.env.RECEIPT_SIGNING_KEYS, new URL(c.req.url).protocol === "https:");
  // Public keys: anyone, from any page or tool, may check a receipt.
  c.header("Access-Control-Allow-Origin", "*");
  c.header("Cache-Control", KEYS_CACHE);
  return c.json({ keys: published }, 200, { "Content-Type": "application/jwk-set+json" });
});

export default wellKnown;
