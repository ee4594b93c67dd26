/**
 * Signed consent receipts through the public surface: the POST answer, the
 * published keys, and the staff check (page and JSON). A valid receipt
 * verifies; a changed field, a wrong key or an unknown key id fails with a
 * reason naming it; rotation keeps old receipts valid.
 */
import { env } from "cloudflare:workers";
import { compactVerify, createLocalJWKSet } from "jose";
import { beforeEach, describe, expect, it } from "vitest";
import { CONTROLLER, type ConsentReceipt, RECEIPT_KEYS_PATH } from "../../shared/api.ts";
import { REVISION_SHA256 } from "../../shared/generated/build-info.ts";
import type { ReceiptCheck } from "../../shared/staff-api.ts";
import { STATEMENT } from "../../worker/generated/privacy-statement.ts";
import app from "../../worker/index.ts";
import {
  buildReceiptRecord,
  LOCAL_RECEIPT_KEY_X,
  type PublicReceiptKey,
  signReceipt,
  verifyReceipt,
} from "../../worker/lib/receipts.ts";
import { freshLog, postConsent, SITE_ORIGIN, seedRevision, validBody } from "./helpers.ts";
import { auditRows, staffEnv, staffRequest } from "./staff-helpers.ts";

beforeEach(freshLog);

type PrivateJwk = { kid: string; kty: string; crv: string; x: string; d: string };

async function newKey(kid: string): Promise<PrivateJwk> {
  const pair = (await crypto.subtle.generateKey({ name: "Ed25519" }, true, ["sign", "verify"])) as CryptoKeyPair;
  const jwk = (await crypto.subtle.exportKey("jwk", pair.privateKey)) as JsonWebKey;
  return { kid, kty: "OKP", crv: "Ed25519", x: jwk.x as string, d: jwk.d as string };
}

const publicOnly = ({ d: _private, ...jwk }: PrivateJwk) => jwk;

const KEY_A = await newKey("receipts-2026-a");
const KEY_B = await newKey("receipts-2026-b");
const withKeys = (keys: object[]): Env => ({ ...env, RECEIPT_SIGNING_KEYS: JSON.stringify(keys) });

async function publishedKeys(testEnv: Env, base = "http://127.0.0.1:8787"): Promise<PublicReceiptKey[]> {
  const response = await app.request(`${base}${RECEIPT_KEYS_PATH}`, {}, testEnv);
  expect(response.status).toBe(200);
  return ((await response.json()) as { keys: PublicReceiptKey[] }).keys;
}

async function receiptFor(body = validBody(), testEnv = withKeys([KEY_A])): Promise<ConsentReceipt> {
  const response = await postConsent(body, { testEnv });
  expect(response.status).toBe(201);
  return (await response.json()) as ConsentReceipt;
}

describe("the receipt in the POST answer", () => {
  it("keeps the earlier fields and adds the ISO/IEC TS 27560-shaped record, signed", async () => {
    const body = validBody({ method: "custom", choices: { analytics: true, functionality: false, targeting: false } });
    const receipt = await receiptFor(body);
    expect(receipt).toMatchObject({ eventId: body.eventId, consentId: body.consentId, revision: body.revision });
    expect(receipt.record).toEqual({
      format: "opencontact-consent-receipt/1",
      eventId: body.eventId,
      consentId: body.consentId,
      time: receipt.receivedAt,
      controller: CONTROLLER,
      notice: { revision: body.revision, sha256: REVISION_SHA256, textsHash: null },
      method: "custom",
      purposes: [
        { id: "analytics", state: "given" },
        { id: "functionality", state: "refused" },
        { id: "targeting", state: "refused" },
      ],
      // The log chain's hash once it is there; null before.
      logHash: receipt.record.logHash === null ? null : expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    const [header] = (receipt.jws ?? "").split(".");
    expect(JSON.parse(atob((header ?? "").replace(/-/g, "+").replace(/_/g, "/")))).toEqual({
      alg: "EdDSA",
      kid: KEY_A.kid,
    });
    const keys = await publishedKeys(withKeys([KEY_A]));
    const verified = await verifyReceipt(receipt, keys);
    expect(verified).toEqual({ valid: true, kid: KEY_A.kid, record: receipt.record });
    // Any JOSE library checks it with the published key set, not only ours.
    const { payload } = await compactVerify(receipt.jws ?? "", createLocalJWKSet({ keys }));
    expect(JSON.parse(new TextDecoder().decode(payload))).toEqual(receipt.record);
  });

  it("answers a repeat (200) with the very same receipt, signature included", async () => {
    const body = validBody();
    const first = await receiptFor(body);
    const repeat = await postConsent(body, { testEnv: withKeys([KEY_A]) });
    expect(repeat.status).toBe(200);
    expect(await repeat.json()).toEqual(first);
  });

  it("marks what a withdrawal turns off as withdrawn, and keeps a site's own texts hash", async () => {
    const textsHash = "ab".repeat(32);
    const body = validBody({
      method: "withdraw",
      choices: { analytics: false, functionality: true, targeting: false },
      textsHash,
    });
    const { record } = await receiptFor(body);
    expect(record.purposes.map((purpose) => purpose.state)).toEqual(["withdrawn", "given", "withdrawn"]);
    expect(record.notice.textsHash).toBe(textsHash);
  });

  it("takes an earlier revision's hash from the revision the log holds", async () => {
    await seedRevision("0123456789abcdef");
    const { record } = await receiptFor(validBody({ revision: "0123456789abcdef" }));
    expect(record.notice).toEqual({ revision: "0123456789abcdef", sha256: "0".repeat(64), textsHash: null });
  });

  it("names the controller as the privacy statement does, verbatim", () => {
    const statement = STATEMENT.markdown;
    expect(statement).toContain(CONTROLLER.name);
    expect(statement).toContain(`Registered in ${CONTROLLER.registeredIn} no: ${CONTROLLER.registeredNumber}`);
    expect(statement).toContain(`mailto:${CONTROLLER.contact}`);
    const office = statement.slice(statement.indexOf("Registered Office:"));
    for (const line of CONTROLLER.registeredOffice.split(", "))
      expect(office).toMatch(new RegExp(`^${line}\\\\?$`, "m"));
  });

  it("still stores the choice without a signing key, answering jws null", async () => {
    const body = validBody();
    const receipt = await receiptFor(body, { ...env, RECEIPT_SIGNING_KEYS: "" });
    expect(receipt.jws).toBeNull();
    expect(receipt.record.eventId).toBe(body.eventId);
    const verified = await verifyReceipt(receipt, []);
    expect(verified).toMatchObject({ valid: false, reason: expect.stringContaining("no signature") });
  });

  it("ignores the public key of .dev.vars.example on https", async () => {
    // test/scripts/verify-receipt.test.ts checks this is the key .dev.vars.example holds.
    const local = [{ kid: "local-dev-1", kty: "OKP", crv: "Ed25519", x: LOCAL_RECEIPT_KEY_X }];
    const testEnv = withKeys(local);
    expect(await publishedKeys(testEnv)).toHaveLength(1);
    expect(await publishedKeys(testEnv, "https://consent.example")).toEqual([]);
  });
});

describe("verifying a receipt", () => {
  it("fails on any changed field, naming it", async () => {
    const receipt = await receiptFor();
    const keys = await publishedKeys(withKeys([KEY_A]));
    const changes: [string, ConsentReceipt, RegExp][] = [
      ["method", { ...receipt, method: "accept_all" }, /method differs/],
      ["choices", { ...receipt, choices: { ...receipt.choices, targeting: true } }, /choices\.targeting differs/],
      ["time", { ...receipt, record: { ...receipt.record, time: "2020-01-01T00:00:00.000Z" } }, /record\.time differs/],
      [
        "purpose",
        {
          ...receipt,
          record: {
            ...receipt.record,
            purposes: [{ id: "analytics", state: "refused" }, ...receipt.record.purposes.slice(1)],
          },
        },
        /record\.purposes\.0\.state differs/,
      ],
    ];
    for (const [what, changed, reason] of changes) {
      expect(await verifyReceipt(changed, keys), what).toMatchObject({
        valid: false,
        reason: expect.stringMatching(reason),
      });
    }
    // The signed part itself changed: the signature no longer holds.
    const [header, payload, signature] = (receipt.jws ?? "").split(".");
    const forged = JSON.parse(atob((payload ?? "").replace(/-/g, "+").replace(/_/g, "/")));
    forged.method = "accept_all";
    const forgedPayload = btoa(JSON.stringify(forged)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
    expect(await verifyReceipt(`${header}.${forgedPayload}.${signature}`, keys)).toMatchObject({
      valid: false,
      reason: expect.stringMatching(/^signature does not verify with key receipts-2026-a/),
    });
  });

  it("fails with a wrong key under the same kid, and with an unknown kid", async () => {
    const receipt = await receiptFor();
    const impostor = { ...publicOnly(KEY_B), kid: KEY_A.kid, alg: "EdDSA", use: "sig" } as PublicReceiptKey;
    expect(await verifyReceipt(receipt, [impostor])).toMatchObject({
      valid: false,
      reason: expect.stringMatching(/^signature does not verify with key receipts-2026-a/),
    });
    expect(await verifyReceipt(receipt, await publishedKeys(withKeys([KEY_B])))).toMatchObject({
      valid: false,
      reason: "unknown key id receipts-2026-a: no published receipt key has it",
    });
    expect(await verifyReceipt({ jws: "not-a-jws" }, [])).toMatchObject({
      valid: false,
      reason: expect.stringContaining("not a JWS compact serialization"),
    });
  });

  it("keeps old receipts valid across a rotation: publish, switch the signer, keep the old public key", async () => {
    const old = await receiptFor();
    // Step 1: the new key is published beside the signer.
    const published = await publishedKeys(withKeys([KEY_A, KEY_B]));
    expect(published.map((key) => key.kid)).toEqual([KEY_A.kid, KEY_B.kid]);
    expect(JSON.stringify(published)).not.toContain('"d"');
    // Step 2: it signs; the old key stays, its private half removed.
    const rotated = withKeys([KEY_B, publicOnly(KEY_A)]);
    const fresh = await receiptFor(validBody(), rotated);
    const keys = await publishedKeys(rotated);
    expect(await verifyReceipt(old, keys)).toMatchObject({ valid: true, kid: KEY_A.kid });
    expect(await verifyReceipt(fresh, keys)).toMatchObject({ valid: true, kid: KEY_B.kid });
  });

  it("serves the keys as a public JWK Set any page may fetch", async () => {
    const response = await app.request(RECEIPT_KEYS_PATH, {}, withKeys([KEY_A, publicOnly(KEY_B)]));
    expect(response.headers.get("Content-Type")).toMatch(/^application\/jwk-set\+json/);
    expect(response.headers.get("Access-Control-Allow-Origin")).toBe("*");
    expect(response.headers.get("Cache-Control")).toMatch(/max-age=\d+/);
    expect(((await response.json()) as { keys: PublicReceiptKey[] }).keys).toEqual([
      { kty: "OKP", crv: "Ed25519", x: KEY_A.x, kid: KEY_A.kid, alg: "EdDSA", use: "sig" },
      { kty: "OKP", crv: "Ed25519", x: KEY_B.x, kid: KEY_B.kid, alg: "EdDSA", use: "sig" },
    ]);
  });
});

describe("the staff receipt check", () => {
  const testEnv = staffEnv({ RECEIPT_SIGNING_KEYS: JSON.stringify([KEY_A]) });

  async function check(receipt: unknown): Promise<ReceiptCheck> {
    const response = await staffRequest(
      "/api/staff/receipts/verify",
      { method: "POST", body: typeof receipt === "string" ? receipt : JSON.stringify(receipt) },
      testEnv,
    );
    expect(response.status).toBe(200);
    return (await response.json()) as ReceiptCheck;
  }

  it("verifies a receipt and finds it matches the log, audited", async () => {
    const receipt = await receiptFor();
    const result = await check(receipt);
    expect(result).toEqual({
      signature: { valid: true, kid: KEY_A.kid, record: receipt.record },
      log: { status: "matches" },
    });
    // The JWS text alone does as well.
    expect((await check(receipt.jws)).log).toEqual({ status: "matches" });
    const rows = await auditRows();
    expect(rows.at(-1)).toMatchObject({ actor: "alice", action: "verify_receipt", row_count: 1 });
    expect(JSON.parse(rows.at(-1)?.query ?? "{}")).toEqual({
      eventId: receipt.eventId,
      kid: KEY_A.kid,
      signatureValid: true,
      log: "matches",
    });
  });

  it("finds a validly signed record that says otherwise than the log, and one the log lacks", async () => {
    const body = validBody({
      method: "reject_all",
      choices: { analytics: false, functionality: false, targeting: false },
    });
    const { record } = await receiptFor(body);
    const claimed = buildReceiptRecord(
      {
        ...body,
        receivedAt: record.time,
        textsHash: null,
        method: "accept_all",
        choices: { analytics: true, functionality: true, targeting: true },
      },
      record.notice.sha256,
      record.logHash,
    );
    const signed = await signReceipt(claimed, KEY_A);
    const result = await check({ jws: signed });
    expect(result.signature.valid).toBe(true);
    expect(result.log).toEqual({
      status: "differs",
      fields: ["method", "purposes.0.state", "purposes.1.state", "purposes.2.state"],
    });
    const unknown = await signReceipt({ ...record, eventId: crypto.randomUUID() }, KEY_A);
    expect((await check(unknown)).log).toEqual({ status: "absent" });
  });

  it("shows the form and the result on the staff page, linked from every staff page", async () => {
    const receipt = await receiptFor();
    const form = await staffRequest("/staff/receipts/verify", {}, testEnv);
    expect(form.status).toBe(200);
    const page = await form.text();
    expect(page).toContain('<a href="/staff/receipts/verify" aria-current="page">Receipts</a>');
    expect(page).toContain('<textarea id="receipt" name="receipt"');

    const tampered = JSON.stringify({ ...receipt, method: "accept_all" });
    const result = await staffRequest(
      "/staff/receipts/verify",
      { method: "POST", body: new URLSearchParams({ receipt: tampered }) },
      testEnv,
    );
    expect(result.status).toBe(200);
    const html = await result.text();
    expect(html).toContain("Signature not valid: changed after signing: method differs from the signed record.");
    expect(html).toContain("The record matches the logged event.");

    const empty = await staffRequest(
      "/staff/receipts/verify",
      { method: "POST", body: new URLSearchParams({ receipt: " " }) },
      testEnv,
    );
    expect(empty.status).toBe(200);
    expect(await empty.text()).toContain('<p class="error" role="alert">Paste a receipt to check.</p>');
  });

  it("refuses without a staff credential", async () => {
    const response = await app.request(
      "/api/staff/receipts/verify",
      { method: "POST", body: "{}", headers: { Origin: SITE_ORIGIN } },
      testEnv,
    );
    expect(response.status).toBe(401);
  });
});
