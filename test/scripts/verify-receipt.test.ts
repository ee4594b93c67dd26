/**
 * `npm run verify-receipt`: run as the command it is, against a saved key
 * set, keys served over http, and a stand-in for the staff API's receipt
 * check (the worker's own check is tested in test/worker/receipts.test.ts).
 * Also the local example key: the worker ignores it on https, and
 * `npm run deploy` refuses it.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkSecrets, parseSecrets } from "../../scripts/deploy.ts";
import type { ConsentReceipt } from "../../shared/api.ts";
import type { ReceiptCheck } from "../../shared/staff-api.ts";
import {
  buildReceiptRecord,
  LOCAL_RECEIPT_KEY_X,
  parseReceiptKeys,
  signReceipt,
  verifyReceipt,
} from "../../worker/lib/receipts.ts";

const dir = mkdtempSync(join(tmpdir(), "verify-receipt-"));
const EXAMPLE = readFileSync(".dev.vars.example", "utf8");

async function newKey(kid: string) {
  const pair = (await crypto.subtle.generateKey({ name: "Ed25519" }, true, ["sign", "verify"])) as CryptoKeyPair;
  const { x, d } = await crypto.subtle.exportKey("jwk", pair.privateKey);
  return { kid, kty: "OKP", crv: "Ed25519", x: x as string, d: d as string };
}

const KEY = await newKey("receipts-test-1");
const OTHER = await newKey("receipts-test-2");
const JWKS = { keys: parseReceiptKeys(JSON.stringify([KEY])).published };

async function receipt(): Promise<ConsentReceipt> {
  const summary = {
    eventId: "5d2f7c1e-8a4b-4c3d-9e2f-1a2b3c4d5e6f",
    consentId: "0f8e7d6c-5b4a-4938-8271-605f4e3d2c1b",
    receivedAt: "2026-11-29T10:00:00.000Z",
    revision: "daf85cde1d08d89d",
    method: "custom" as const,
    choices: { analytics: true, functionality: false, targeting: false },
  };
  const record = buildReceiptRecord({ ...summary, textsHash: null }, "d".repeat(64), "e".repeat(64));
  const signer = parseReceiptKeys(JSON.stringify([KEY])).signer;
  if (!signer) throw new Error("test key does not sign");
  return { ...summary, record, jws: await signReceipt(record, signer) };
}

function save(name: string, content: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, typeof content === "string" ? content : JSON.stringify(content, null, 2));
  return path;
}

function verifyCommand(args: string[], env: Record<string, string> = {}) {
  return new Promise<{ code: number; out: string }>((resolve) => {
    execFile(
      process.execPath,
      ["scripts/verify-receipt.ts", ...args],
      { env: { ...process.env, ...env } },
      (error, stdout) => resolve({ code: error ? Number(error.code) : 0, out: stdout }),
    );
  });
}

/** The worker's keys and a staff receipt check that answers `logStatus` to the right staff credential. */
let server: Server;
let origin: string;
let logAnswer: ReceiptCheck["log"] = { status: "matches" };
const asked: { path: string; authorization: string | undefined; body: string }[] = [];

beforeAll(async () => {
  server = createServer((request, response) => {
    let body = "";
    request.on("data", (chunk) => {
      body += chunk;
    });
    request.on("end", () => {
      asked.push({ path: request.url ?? "", authorization: request.headers.authorization, body });
      response.setHeader("Content-Type", "application/json");
      if (request.url === "/.well-known/consent-receipt-keys") return response.end(JSON.stringify(JWKS));
      if (request.method === "POST" && request.url === "/api/staff/receipts/verify") {
        if (request.headers.authorization !== "Bearer alice:right-token") {
          response.statusCode = 401;
          return response.end(
            JSON.stringify({ error: { code: "unauthorized", message: "the staff token was not accepted" } }),
          );
        }
        return response.end(JSON.stringify({ signature: { valid: true }, log: logAnswer }));
      }
      response.statusCode = 404;
      response.end("{}");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe("npm run verify-receipt, offline", () => {
  it("says a valid receipt's signature holds and that it was not compared with the log", async () => {
    const keys = save("keys.json", JWKS);
    const file = save("receipt.json", await receipt());
    expect(await verifyCommand([file, "--keys", keys])).toEqual({
      code: 0,
      out: "signature valid (key receipts-test-1); not compared with the log (give --api ORIGIN to compare)\n",
    });
    // The JWS text alone, as a visitor might save it.
    const jwsOnly = save("receipt.jws", `${(await receipt()).jws}\n`);
    expect((await verifyCommand([jwsOnly, "--keys", keys])).code).toBe(0);
  });

  it("fails on a changed field, a wrong key and an unknown key id, saying why", async () => {
    const keys = save("keys.json", JWKS);
    const changed = save("changed.json", { ...(await receipt()), method: "accept_all" });
    expect(await verifyCommand([changed, "--keys", keys])).toEqual({
      code: 1,
      out: "signature not valid: changed after signing: method differs from the signed record\n",
    });
    const impostor = save("impostor.json", {
      keys: parseReceiptKeys(JSON.stringify([{ ...OTHER, kid: KEY.kid }])).published,
    });
    const file = save("receipt.json", await receipt());
    expect((await verifyCommand([file, "--keys", impostor])).out).toMatch(
      /^signature not valid: signature does not verify with key receipts-test-1/,
    );
    const broken = save("broken.json", { keys: [{ kty: "OKP", crv: "Ed25519", kid: KEY.kid, x: "not-a-key" }] });
    expect(await verifyCommand([file, "--keys", broken])).toEqual({
      code: 1,
      out: "signature not valid: published key receipts-test-1 is not an Ed25519 public key\n",
    });
    const others = save("others.json", { keys: parseReceiptKeys(JSON.stringify([OTHER])).published });
    expect(await verifyCommand([file, "--keys", others])).toEqual({
      code: 1,
      out: "signature not valid: unknown key id receipts-test-1: no published receipt key has it\n",
    });
  });

  it("says what is missing when it cannot check", async () => {
    const file = save("receipt.json", await receipt());
    const noKeys = await verifyCommand([file]);
    expect(noKeys.code).toBe(2);
    expect(noKeys.out).toContain("give the published keys: --keys FILE, --keys-url URL, or --api ORIGIN");
    const missing = await verifyCommand([join(dir, "nope.json"), "--keys", save("keys.json", JWKS)]);
    expect(missing.code).toBe(2);
    expect(missing.out).toContain("cannot read");
  });
});

describe("npm run verify-receipt, online", () => {
  it("fetches the keys from --keys-url", async () => {
    const file = save("receipt.json", await receipt());
    expect((await verifyCommand([file, "--keys-url", `${origin}/.well-known/consent-receipt-keys`])).code).toBe(0);
  });

  it("compares with the log through the staff API with the staff credential", async () => {
    const file = save("receipt.json", await receipt());
    const credential = { OPENCONTACT_STAFF_TOKEN: "alice:right-token" };
    logAnswer = { status: "matches" };
    asked.length = 0;
    expect(await verifyCommand([file, "--api", origin], credential)).toEqual({
      code: 0,
      out: `signature valid (key receipts-test-1)\nthe record matches the log at ${origin}\n`,
    });
    expect(asked.map((request) => request.path)).toEqual([
      "/.well-known/consent-receipt-keys",
      "/api/staff/receipts/verify",
    ]);
    expect(JSON.parse(asked[1]?.body ?? "")).toEqual(await receipt());

    logAnswer = { status: "differs", fields: ["method", "purposes.0.state"] };
    expect(await verifyCommand([file, "--api", origin], credential)).toEqual({
      code: 1,
      out: `signature valid (key receipts-test-1)\nthe record differs from the log at ${origin} in: method, purposes.0.state\n`,
    });
    logAnswer = { status: "absent" };
    expect((await verifyCommand([file, "--api", origin], credential)).out).toContain("no such event in the log");

    const wrong = await verifyCommand([file, "--api", origin], { OPENCONTACT_STAFF_TOKEN: "alice:wrong" });
    expect(wrong.code).toBe(2);
    expect(wrong.out).toContain("answered 401: the staff token was not accepted");
    const none = await verifyCommand([file, "--api", origin], { OPENCONTACT_STAFF_TOKEN: "" });
    expect(none.code).toBe(2);
    expect(none.out).toContain("--api needs OPENCONTACT_STAFF_TOKEN=name:token");
  });
});

describe("the local example key", () => {
  it("is the key LOCAL_RECEIPT_KEY_X names, and it signs", async () => {
    const keys = parseReceiptKeys(parseSecrets(EXAMPLE).RECEIPT_SIGNING_KEYS);
    expect(keys.problems).toEqual([]);
    expect(keys.signer?.x).toBe(LOCAL_RECEIPT_KEY_X);
    const { record } = await receipt();
    const jws = await signReceipt(record, keys.signer as NonNullable<typeof keys.signer>);
    expect(await verifyReceipt(jws, keys.published)).toMatchObject({ valid: true, kid: "local-dev-1" });
  });

  it("is refused by npm run deploy, as is a key set that would sign nothing", async () => {
    const local = parseSecrets(EXAMPLE).RECEIPT_SIGNING_KEYS ?? "";
    expect(checkSecrets(JSON.stringify({ RECEIPT_SIGNING_KEYS: local }), EXAMPLE)).toEqual([
      expect.stringContaining(
        "RECEIPT_SIGNING_KEYS in the secrets file holds the public local key of .dev.vars.example",
      ),
    ]);
    const { d: _private, ...publicOnly } = KEY;
    expect(checkSecrets(JSON.stringify({ RECEIPT_SIGNING_KEYS: JSON.stringify([publicOnly]) }), EXAMPLE)).toEqual([
      expect.stringContaining("RECEIPT_SIGNING_KEYS[0] is no usable private key"),
    ]);
    expect(checkSecrets(JSON.stringify({ RECEIPT_SIGNING_KEYS: JSON.stringify([KEY, publicOnly]) }), EXAMPLE)).toEqual([
      expect.stringContaining("repeats kid receipts-test-1"),
    ]);
    expect(checkSecrets(JSON.stringify({ RECEIPT_SIGNING_KEYS: JSON.stringify([KEY]) }), EXAMPLE)).toEqual([]);
  });
});
