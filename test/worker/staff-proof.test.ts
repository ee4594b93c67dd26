/**
 * The proof of consent for one person (issue 13), in workerd against the
 * real local D1: every event of a consent id oldest first, with the
 * statement and declaration each was given, its links in the chain checked
 * (and found broken when the log was edited), the newest signed checkpoint,
 * and its receipt rebuilt and verified, byte for byte the visitor's own.
 * Audited as `view_proof`; a malformed id is refused before any query.
 */
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import type { ConsentReceipt } from "../../shared/api.ts";
import type { StaffConsentProof } from "../../shared/staff-api.ts";
import { checkpointSigner } from "../../worker/lib/log-chain.ts";
import { storeDailyCheckpoint } from "../../worker/scheduled.ts";
import { freshLog, newEvent, postConsent, seed, validBody } from "./helpers.ts";
import { auditRows, staffEnv, staffRequest, watchedDb } from "./staff-helpers.ts";

beforeEach(freshLog);

/** The public local keys of .dev.vars.example. */
const CHECKPOINT_KEY = "b3BlbmNvbnRhY3QtbG9jYWwtY2hlY2twb2ludC1rZXk=";
const RECEIPT_KEY = {
  kid: "local-dev-1",
  kty: "OKP",
  crv: "Ed25519",
  x: "o937vt_gVDoHuHlIGJ4QTQKuPGXRhK-GEgI9nJX68mw",
  d: "XkRSSyVwJIW7ZzmbTpT_6-KSBbn-f_S-uDPiN9bMnpE",
};
const testEnv = staffEnv({ CHECKPOINT_KEY, RECEIPT_SIGNING_KEYS: JSON.stringify([RECEIPT_KEY]) });

/** Posts choices as a visitor's browser does, one after another; returns the receipts the visitor got. */
async function visitorChooses(consentId: string, methods: ("accept_all" | "reject_all" | "withdraw")[]) {
  const receipts: ConsentReceipt[] = [];
  for (const method of methods) {
    const granted = method === "accept_all";
    const body = validBody({
      consentId,
      method,
      choices: { analytics: granted, functionality: granted, targeting: granted },
    });
    const response = await postConsent(body, { testEnv });
    expect(response.status).toBe(201);
    receipts.push((await response.json()) as ConsentReceipt);
  }
  return receipts;
}

async function proofOf(consentId: string, useEnv = testEnv): Promise<StaffConsentProof> {
  const response = await staffRequest(`/api/staff/consents/${consentId}/proof`, {}, useEnv);
  expect(response.status).toBe(200);
  return (await response.json()) as StaffConsentProof;
}

/** Writes straight to the table, as someone with database access could. */
async function tamper(sql: string, ...params: unknown[]): Promise<void> {
  await env.DB.batch([
    env.DB.prepare("DROP TRIGGER IF EXISTS consent_events_append_only"),
    env.DB.prepare(sql).bind(...params),
  ]);
}

describe("the proof of consent", () => {
  it("gives every event oldest first, what was shown, the chain links and the visitor's own receipts, audited", async () => {
    const consentId = crypto.randomUUID();
    await visitorChooses(crypto.randomUUID(), ["accept_all"]); // someone else's event before
    const receipts = await visitorChooses(consentId, ["accept_all", "reject_all", "withdraw"]);
    const proof = await proofOf(consentId);

    expect(proof.consentId).toBe(consentId);
    expect(proof.events.map(({ event }) => event.method)).toEqual(["accept_all", "reject_all", "withdraw"]);
    expect(proof.headSeq).toBe(4);
    const [first] = proof.events;
    expect(first?.statement.url).toBe(`http://localhost/privacy/${first?.event.revision}`);
    expect(first?.statement.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(first?.cookieDeclarationUrl).toBe(`http://localhost/cookies/${first?.event.revision}`);

    expect(proof.events.map(({ chain }) => chain)).toEqual([
      expect.objectContaining({ status: "chained", seq: 2, valid: true }),
      expect.objectContaining({ status: "chained", seq: 3, valid: true }),
      expect.objectContaining({ status: "chained", seq: 4, valid: true }),
    ]);
    const links = proof.events.map(({ chain }) => (chain.status === "chained" ? chain.checks : []));
    expect(links[0]?.map(({ link, ok }) => [link, ok])).toEqual([
      ["hash", true],
      ["previous", true],
      ["next", true],
    ]);
    expect(links[2]?.[2]?.detail).toBe("the newest event of the chain: no event follows it yet");

    // Each receipt rebuilt from the log is the very receipt the visitor was given, and it verifies.
    expect(proof.events.map(({ receipt }) => receipt.receipt)).toEqual(receipts);
    expect(proof.events.map(({ receipt }) => receipt.signature)).toEqual(
      receipts.map(({ record }) => ({ valid: true, kid: RECEIPT_KEY.kid, record })),
    );

    expect((await auditRows()).at(-1)).toMatchObject({
      actor: "alice",
      action: "view_proof",
      query: JSON.stringify({ consentId }),
      row_count: 3,
    });
  });

  it("states the newest signed checkpoint and which events it covers", async () => {
    const consentId = crypto.randomUUID();
    await visitorChooses(consentId, ["accept_all"]);
    await storeDailyCheckpoint(env.DB, await checkpointSigner(CHECKPOINT_KEY), new Date());
    await visitorChooses(consentId, ["withdraw"]);

    const proof = await proofOf(consentId);
    expect(proof.checkpoint).toMatchObject({
      checkpoint: { kind: "daily", seq: 1 },
      signatureValid: true,
      matchesLog: true,
    });
    expect(proof.events.map(({ coveredByCheckpoint }) => coveredByCheckpoint)).toEqual([true, false]);

    // Without a usable key the checkpoint's signature is not checked, and the proof says what to set.
    const unkeyed = await proofOf(consentId, staffEnv({ CHECKPOINT_KEY: "", RECEIPT_SIGNING_KEYS: "" }));
    expect(unkeyed.checkpoint?.signatureValid).toBeNull();
    expect(unkeyed.checkpointKeyProblem).toMatch(/^CHECKPOINT_KEY must be 32 random bytes in base64/);
    expect(unkeyed.events[0]?.receipt).toMatchObject({
      signature: null,
      problem: expect.stringMatching(/^RECEIPT_SIGNING_KEYS has no usable signing key/),
      receipt: { jws: null },
    });

    // A checkpoint whose event was rewritten no longer matches the log.
    await tamper("UPDATE consent_events SET hash = ? WHERE seq = 1", "f".repeat(64));
    expect((await proofOf(consentId)).checkpoint?.matchesLog).toBe(false);
  });

  it("finds a changed column, a changed neighbour and a removed neighbour", async () => {
    const consentId = crypto.randomUUID();
    await visitorChooses(crypto.randomUUID(), ["accept_all"]);
    await visitorChooses(consentId, ["accept_all"]);
    await visitorChooses(crypto.randomUUID(), ["reject_all"]);
    const checksOf = async () => {
      const [item] = (await proofOf(consentId)).events;
      if (item?.chain.status !== "chained") throw new Error("expected a chained event");
      return item.chain;
    };

    await tamper("UPDATE consent_events SET analytics = 0 WHERE consent_id = ?", consentId);
    let chain = await checksOf();
    expect(chain.valid).toBe(false);
    expect(chain.checks[0]).toMatchObject({
      link: "hash",
      ok: false,
      detail: expect.stringMatching(/a column was changed$/),
    });

    await freshLog();
    await visitorChooses(crypto.randomUUID(), ["accept_all"]);
    await visitorChooses(consentId, ["accept_all"]);
    await visitorChooses(crypto.randomUUID(), ["reject_all", "accept_all"]);
    await tamper("UPDATE consent_events SET hash = ? WHERE seq = 1", "a".repeat(64));
    await tamper("DELETE FROM consent_events WHERE seq = 3");
    chain = await checksOf();
    expect(chain.checks).toEqual([
      { link: "hash", ok: true, detail: "its stored columns hash to its stored hash" },
      {
        link: "previous",
        ok: false,
        detail: "its prev_hash is not the hash of event 1: an event before it was changed, removed or moved",
      },
      { link: "next", ok: false, detail: "event 3 is missing: the chain goes on to event 4" },
    ]);
  });

  it("says when an event predates the chain, and when one was stored outside it", async () => {
    const consentId = crypto.randomUUID();
    await seed([newEvent({ consentId, receivedAt: "2025-06-01T10:00:00.000Z" })]);
    // As the chain's migration records on a log that already held that row.
    await env.DB.prepare("INSERT INTO log_chain_origin (legacy_max_id, created_at) VALUES (1, ?)")
      .bind("2025-07-01T00:00:00.000Z")
      .run();
    await visitorChooses(consentId, ["reject_all"]);
    await seed([newEvent({ consentId, receivedAt: "2026-12-01T10:00:00.000Z" })]);

    const proof = await proofOf(consentId);
    expect(proof.events.map(({ chain }) => chain.status)).toEqual(["before_chain", "chained", "outside_chain"]);
    expect(proof.events[0]?.receipt.receipt?.record.logHash).toBeNull();
    const page = await (await staffRequest(`/staff/consents/${consentId}/proof`, {}, testEnv)).text();
    expect(page).toContain("Logged before the tamper-evident chain began");
    expect(page).toContain("the worker did not write this event");
    expect(page).toContain("1 event fails its chain checks");
  });
});

describe("the proof page", () => {
  it("renders one printable document with visitor values as text, linked from the record", async () => {
    const consentId = crypto.randomUUID();
    await seed([newEvent({ consentId, userAgent: '<img src=x onerror="alert(1)">', pageUrl: "javascript:alert(2)" })]);
    await visitorChooses(consentId, ["accept_all"]);

    const record = await (await staffRequest(`/staff/consents/${consentId}`, {}, testEnv)).text();
    expect(record).toContain(`<a href="/staff/consents/${consentId}/proof">Proof of consent (printable)</a>`);

    const response = await staffRequest(`/staff/consents/${consentId}/proof`, {}, testEnv);
    expect(response.status).toBe(200);
    expect(response.headers.get("Content-Security-Policy")).toContain("script-src 'none'");
    const html = await response.text();
    expect(html).toContain(`<h1>Proof of consent <code>${consentId}</code></h1>`);
    expect(html).toContain("&lt;img src=x onerror=&quot;alert(1)&quot;&gt;");
    expect(html).not.toContain("<img");
    expect(html).not.toContain('href="javascript:');
    expect(html).toMatch(/<a href="http:\/\/localhost\/privacy\/[0-9a-f]{16}">/);
    expect(html).toMatch(/<a href="http:\/\/localhost\/cookies\/[0-9a-f]{16}">/);
    expect(html).toContain('<a href="http://localhost/staff/log-integrity">');
    expect(html).toContain("Event 2 of 2: Accepted all");
    expect(html).toContain("Signature valid");
    expect(html).toMatch(/<summary>The signed receipt \(JWS\)<\/summary><p class="jws"><code>eyJ/);
  });

  it("downloads an event's rebuilt receipt, the visitor's own", async () => {
    const consentId = crypto.randomUUID();
    const [receipt] = await visitorChooses(consentId, ["accept_all"]);
    const path = `/api/staff/consents/${consentId}/proof?download=receipt&event=${receipt?.eventId}`;
    const response = await staffRequest(path, {}, testEnv);
    expect(response.status).toBe(200);
    expect(response.headers.get("Content-Disposition")).toBe(
      `attachment; filename="consent-receipt-${receipt?.eventId}.json"`,
    );
    expect(await response.json()).toEqual(receipt);

    const other = `/api/staff/consents/${consentId}/proof?download=receipt&event=${crypto.randomUUID()}`;
    expect((await staffRequest(other, {}, testEnv)).status).toBe(404);
  });

  it("answers 404 for an unknown consent id, and 400 for a malformed one before any query", async () => {
    const unknown = crypto.randomUUID();
    for (const path of [`/staff/consents/${unknown}/proof`, `/api/staff/consents/${unknown}/proof`]) {
      expect((await staffRequest(path, {}, testEnv)).status, path).toBe(404);
    }
    expect((await auditRows()).filter(({ action }) => action === "view_proof")).toEqual([]);

    const bad = [
      ["/staff/consents/not-a-uuid/proof", "consentId"],
      ["/api/staff/consents/not-a-uuid/proof", "consentId"],
      [`/api/staff/consents/${unknown}/proof?download=receipt&event=nope`, "event"],
      [`/api/staff/consents/${unknown}/proof?download=receipt`, "event"],
      [`/api/staff/consents/${unknown}/proof?download=everything&event=${unknown}`, "event"],
    ];
    for (const [path, field] of bad) {
      const { db, sql } = watchedDb();
      const response = await staffRequest(path ?? "", {}, staffEnv({ ...testEnv, DB: db }));
      expect(response.status, path).toBe(400);
      if (path?.startsWith("/api/")) {
        expect(await response.json(), path).toMatchObject({ error: { code: "bad_request", field } });
      }
      expect(
        sql.filter((text) => /consent_events|log_/.test(text)),
        path,
      ).toEqual([]);
    }
  });
});
