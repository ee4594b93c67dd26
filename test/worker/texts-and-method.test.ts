/**
 * What the visitor was told and how they chose (issue 13, worker side), in
 * workerd against the real local D1: a site's own banner texts are stored
 * once by hash (`PUT /api/texts/:hash`, asked for with `textsWanted`), only
 * for a hash some event refers to; `source`, `trusted` and `privacyUrl` are
 * validated, stored, signed into the receipt and shown to staff (record,
 * proof, CSV, JSON export) with the texts the visitor read; the retention
 * purge takes text sets no event refers to any more.
 */
import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { type ConsentReceipt, TEXTS_BODY_LIMIT } from "../../shared/api.ts";
import type { StaffConsentProof, StaffEventRecord, SubjectAccessExport } from "../../shared/staff-api.ts";
import { resolveTexts, type Texts, textsHash } from "../../widget/texts.ts";
import { recordEvent } from "../../worker/db/consent-events.ts";
import worker from "../../worker/index.ts";
import { recordCurrentRevision } from "../../worker/lib/current-revision.ts";
import { verifyReceipt } from "../../worker/lib/receipts.ts";
import { errorOf, freshLog, newEvent, nextClientIp, postConsent, SITE_ORIGIN, seed, validBody } from "./helpers.ts";
import { auditRows, parseCsv, staffEnv, staffRequest } from "./staff-helpers.ts";

beforeEach(freshLog);

/** A site's own wording, resolved and hashed by the widget's own code. */
async function siteTexts(bannerTitle = "Cookies on Example Shop"): Promise<{ texts: Texts; hash: string }> {
  const texts = resolveTexts({
    messages: { bannerTitle, acceptAll: "Yes, all of them" },
    categories: { analytics: { name: "Statistics" } },
  });
  const hash = await textsHash(texts);
  if (!hash) throw new Error("textsHash needs WebCrypto");
  return { texts, hash };
}

/** The body the widget sends: exactly the object it hashed. */
const bodyOf = (texts: Texts) => JSON.stringify({ categories: texts.categories, messages: texts.messages });

function putTexts(hash: string, body: string, options: { origin?: string; contentType?: string } = {}) {
  return Promise.resolve(
    worker.request(
      `/api/texts/${hash}`,
      {
        method: "PUT",
        headers: {
          Origin: options.origin ?? SITE_ORIGIN,
          "Content-Type": options.contentType ?? "application/json",
          "CF-Connecting-IP": nextClientIp(),
        },
        body,
      },
      env,
    ),
  );
}

async function storedSets(): Promise<{ hash: string; texts: string }[]> {
  const { results } = await env.DB.prepare("SELECT hash, texts FROM text_sets ORDER BY hash").all<{
    hash: string;
    texts: string;
  }>();
  return results;
}

/** A text set's body, open to any change a broken client could make. */
type Spoilable = { messages: Record<string, unknown>; categories: unknown[]; [field: string]: unknown };

describe("texts stored once, by hash", () => {
  it("asks for unknown texts, stores them once (201, then 200), and asks no more", async () => {
    const { texts, hash } = await siteTexts();
    const first = await postConsent(validBody({ textsHash: hash }));
    expect(first.status).toBe(201);
    expect(((await first.json()) as ConsentReceipt).textsWanted).toBe(true);

    const stored = await putTexts(hash, bodyOf(texts));
    expect(stored.status).toBe(201);
    expect(await stored.json()).toEqual({ stored: true });
    const again = await putTexts(hash, bodyOf(texts));
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual({ stored: false });
    // Kept as the bytes the hash covers, so anyone can recompute it.
    expect(await storedSets()).toEqual([{ hash, texts: bodyOf(texts) }]);

    const later = await postConsent(validBody({ textsHash: hash }));
    expect(later.status).toBe(201);
    expect(await later.json()).not.toHaveProperty("textsWanted");
  });

  it("stores a set that words the placeholder's messages too (a language pack's, a site's)", async () => {
    const texts = resolveTexts({ messages: { embedAllow: "Autoriser {category}", bannerTitle: "Vos cookies" } });
    const hash = (await textsHash(texts)) ?? "";
    expect(bodyOf(texts)).toContain('"embedAllow":"Autoriser {category}"');
    expect(((await (await postConsent(validBody({ textsHash: hash }))).json()) as ConsentReceipt).textsWanted).toBe(
      true,
    );
    const stored = await putTexts(hash, bodyOf(texts));
    expect(stored.status).toBe(201);
    expect(await storedSets()).toEqual([{ hash, texts: bodyOf(texts) }]);
  });

  it("never asks for the default texts, nor when no texts hash is sent", async () => {
    const defaults = await textsHash(resolveTexts(undefined));
    for (const body of [validBody({ textsHash: defaults }), validBody()]) {
      const response = await postConsent(body);
      expect(response.status).toBe(201);
      expect(await response.json()).not.toHaveProperty("textsWanted");
    }
  });

  it("asks again on a repeated post while the texts have not arrived", async () => {
    const { hash } = await siteTexts();
    const body = validBody({ textsHash: hash });
    expect(((await (await postConsent(body)).json()) as ConsentReceipt).textsWanted).toBe(true);
    const repeat = await postConsent(body);
    expect(repeat.status).toBe(200);
    expect(((await repeat.json()) as ConsentReceipt).textsWanted).toBe(true);
  });

  it("refuses a body that does not hash to the path's hash, naming both", async () => {
    const { texts, hash } = await siteTexts();
    await postConsent(validBody({ textsHash: hash }));
    const other = await siteTexts("Another title");
    const response = await putTexts(hash, bodyOf(other.texts));
    expect(response.status).toBe(400);
    expect(await errorOf(response)).toMatchObject({
      code: "invalid_body",
      field: "hash",
      message: `body hashes to ${other.hash}, not ${hash}`,
    });
    expect(await storedSets()).toEqual([]);
    expect((await putTexts(hash, bodyOf(texts))).status).toBe(201);
  });

  it.each([
    ["a missing message", (body: Spoilable) => delete body.messages.acceptAll, "messages.acceptAll"],
    ["an unknown message", (body: Spoilable) => (body.messages.acceptEverything = "x"), "messages.acceptEverything"],
    ["a message that is no string", (body: Spoilable) => (body.messages.save = 1), "messages.save"],
    ["a category out of order", (body: Spoilable) => body.categories.reverse(), "categories.0.id"],
    ["a fourth category", (body: Spoilable) => body.categories.push(body.categories[0]), "categories.3"],
    ["an extra field", (body: Spoilable) => (body.language = "fr"), undefined],
  ])("refuses %s with a 400 naming the field", async (_name, spoil, field) => {
    const { texts, hash } = await siteTexts();
    await postConsent(validBody({ textsHash: hash }));
    const body = JSON.parse(bodyOf(texts));
    spoil(body);
    const response = await putTexts(hash, JSON.stringify(body));
    expect(response.status).toBe(400);
    const error = await errorOf(response);
    expect(error.code).toBe("invalid_body");
    if (field) expect(error.field).toBe(field);
    else expect(error.message).toMatch(/unknown field language/);
    expect(await storedSets()).toEqual([]);
  });

  it("refuses a malformed hash, a body that is no JSON, and one over 64 KB", async () => {
    const { texts, hash } = await siteTexts();
    await postConsent(validBody({ textsHash: hash }));
    const badHash = await putTexts(hash.toUpperCase(), bodyOf(texts));
    expect(badHash.status).toBe(400);
    expect(await errorOf(badHash)).toMatchObject({ field: "hash" });
    expect((await putTexts(hash, "{not json")).status).toBe(400);
    const huge = JSON.parse(bodyOf(texts));
    huge.messages.bannerText = "x".repeat(TEXTS_BODY_LIMIT);
    const tooLarge = await putTexts(hash, JSON.stringify(huge));
    expect(tooLarge.status).toBe(413);
    expect(await errorOf(tooLarge)).toMatchObject({ code: "payload_too_large" });
    expect(await storedSets()).toEqual([]);
  });

  it("answers 404 for texts no consent event refers to, and stores nothing", async () => {
    const { texts, hash } = await siteTexts();
    const response = await putTexts(hash, bodyOf(texts));
    expect(response.status).toBe(404);
    expect(await errorOf(response)).toMatchObject({ code: "not_found", field: "hash" });
    expect(await storedSets()).toEqual([]);
  });

  it("refuses a site not in ALLOWED_ORIGINS with a readable 403, and stores nothing", async () => {
    const { texts, hash } = await siteTexts();
    await postConsent(validBody({ textsHash: hash }));
    const response = await putTexts(hash, bodyOf(texts), { origin: "https://evil.example" });
    expect(response.status).toBe(403);
    expect(response.headers.get("Access-Control-Allow-Origin")).toBe("*");
    expect(await errorOf(response)).toMatchObject({ code: "forbidden_origin", field: "Origin" });
    expect(await storedSets()).toEqual([]);
  });

  it("lets an allowed site's preflight PUT", async () => {
    const { hash } = await siteTexts();
    const response = await worker.request(
      `/api/texts/${hash}`,
      {
        method: "OPTIONS",
        headers: {
          Origin: SITE_ORIGIN,
          "Access-Control-Request-Method": "PUT",
          "Access-Control-Request-Headers": "content-type",
        },
      },
      env,
    );
    expect(response.status).toBe(204);
    expect(response.headers.get("Access-Control-Allow-Origin")).toBe(SITE_ORIGIN);
    expect(response.headers.get("Access-Control-Allow-Methods")).toContain("PUT");
  });
});

describe("how the choice was made", () => {
  it("stores source, trusted and privacyUrl, and signs source and trusted into the receipt", async () => {
    const keys = [
      {
        kid: "local-dev-1",
        kty: "OKP",
        crv: "Ed25519",
        x: "o937vt_gVDoHuHlIGJ4QTQKuPGXRhK-GEgI9nJX68mw",
        d: "XkRSSyVwJIW7ZzmbTpT_6-KSBbn-f_S-uDPiN9bMnpE",
      },
    ];
    const testEnv = { ...env, RECEIPT_SIGNING_KEYS: JSON.stringify(keys) };
    const body = validBody({ source: "api", trusted: false, privacyUrl: "https://shop.example/privacy?lang=en" });
    const response = await postConsent(body, { testEnv });
    expect(response.status).toBe(201);
    const receipt = (await response.json()) as ConsentReceipt;
    expect(receipt.record.methodDetail).toEqual({ source: "api", trusted: false });
    const verified = await verifyReceipt(receipt, [{ ...keys[0], alg: "EdDSA", use: "sig" } as never]);
    expect(verified).toMatchObject({ valid: true, record: { methodDetail: { source: "api", trusted: false } } });
    const row = await env.DB.prepare("SELECT source, trusted, privacy_url FROM consent_events WHERE event_id = ?")
      .bind(body.eventId)
      .first();
    expect(row).toEqual({ source: "api", trusted: 0, privacy_url: "https://shop.example/privacy?lang=en" });

    // An older widget sends none of them: NULL, "not recorded", and the receipt keeps its earlier shape.
    const older = await postConsent(validBody(), { testEnv });
    const olderReceipt = (await older.json()) as ConsentReceipt;
    expect(olderReceipt.record).not.toHaveProperty("methodDetail");
  });

  it.each([
    [{ source: "popup" }, "source", /source must be one of banner, dialog, placeholder, api/],
    [{ trusted: "yes" }, "trusted", /trusted must be true or false/],
    [{ privacyUrl: "javascript:alert(1)" }, "privacyUrl", /privacyUrl must be an http or https URL/],
    [{ privacyUrl: "/privacy" }, "privacyUrl", /privacyUrl must be an absolute URL/],
    [{ privacyUrl: `https://shop.example/${"p".repeat(2048)}` }, "privacyUrl", /at most 2048/],
  ])("refuses %o with a 400 naming the field", async (change, field, message) => {
    const response = await postConsent({ ...validBody(), ...change });
    expect(response.status).toBe(400);
    const error = await errorOf(response);
    expect(error).toMatchObject({ code: "invalid_body", field });
    expect(error.message).toMatch(message);
  });
});

describe("shown to staff", () => {
  /** One visitor: a banner click with the site's texts (stored), a script's choice with texts never sent, an older widget's post. */
  async function visitor() {
    const consentId = crypto.randomUUID();
    const stored = await siteTexts();
    const missing = await siteTexts("Never sent");
    const clicked = validBody({
      consentId,
      source: "banner",
      trusted: true,
      privacyUrl: "https://shop.example/privacy-policy",
      textsHash: stored.hash,
    });
    const scripted = validBody({
      consentId,
      method: "reject_all",
      choices: { analytics: false, functionality: false, targeting: false },
      source: "api",
      trusted: false,
      textsHash: missing.hash,
    });
    const older = validBody({
      consentId,
      method: "accept_all",
      choices: { analytics: true, functionality: true, targeting: true },
    });
    for (const body of [clicked, scripted, older]) expect((await postConsent(body)).status).toBe(201);
    expect((await putTexts(stored.hash, bodyOf(stored.texts))).status).toBe(201);
    return { consentId, clicked, scripted, older, stored, missing };
  }

  async function eventIdOf(eventId: string): Promise<number> {
    const row = await env.DB.prepare("SELECT id FROM consent_events WHERE event_id = ?").bind(eventId).first<{
      id: number;
    }>();
    return row?.id ?? 0;
  }

  it("on the record page and its JSON: how, real user action, the privacy URL and the texts read", async () => {
    const { clicked, scripted, older, stored, missing } = await visitor();
    const clickedId = await eventIdOf(clicked.eventId);
    const json = (await (await staffRequest(`/api/staff/events/${clickedId}`)).json()) as StaffEventRecord;
    expect(json.event).toMatchObject({
      source: "banner",
      trusted: true,
      privacyUrl: "https://shop.example/privacy-policy",
    });
    expect(json.shownTexts).toMatchObject({ status: "stored", texts: JSON.parse(bodyOf(stored.texts)) });

    const page = await (await staffRequest(`/staff/events/${clickedId}`)).text();
    expect(page).toContain("On the banner");
    expect(page).toMatch(/Real user action<\/dt><dd>Yes: a real press/);
    expect(page).toContain("https://shop.example/privacy-policy");
    expect(page).toContain("Cookies on Example Shop");
    expect(page).toContain("Yes, all of them");
    expect(page).toContain("Statistics");

    const scriptedPage = await (await staffRequest(`/staff/events/${await eventIdOf(scripted.eventId)}`)).text();
    expect(scriptedPage).toContain("By the site&#39;s script, through the JavaScript API");
    expect(scriptedPage).toMatch(/Real user action<\/dt><dd>No: no real user action/);
    expect(scriptedPage).toContain(missing.hash);
    expect(scriptedPage).toContain("texts not received yet");
    // A new widget without privacyUrl linked this service's own statement.
    expect(scriptedPage).toContain(`This service&#39;s statement, <a href="/privacy/${scripted.revision}">`);

    const olderPage = await (await staffRequest(`/staff/events/${await eventIdOf(older.eventId)}`)).text();
    expect(olderPage).toMatch(/Where the choice was made<\/dt><dd>Not recorded/);
    expect(olderPage).toMatch(/Real user action<\/dt><dd>Not recorded/);
    expect(olderPage).toContain(`The revision&#39;s own texts: <a href="/privacy/${older.revision}">`);
  });

  it("on the proof of consent, audited", async () => {
    const { consentId, stored, missing } = await visitor();
    const response = await staffRequest(`/api/staff/consents/${consentId}/proof`);
    const proof = (await response.json()) as StaffConsentProof;
    expect(proof.events.map(({ event, shownTexts }) => [event.source, event.trusted, shownTexts.status])).toEqual([
      ["banner", true, "stored"],
      ["api", false, "not_received"],
      [null, null, "revision"],
    ]);
    const page = await (await staffRequest(`/staff/consents/${consentId}/proof`)).text();
    expect(page).toContain("On the banner");
    expect(page).toContain("https://shop.example/privacy-policy");
    expect(page).toContain("Cookies on Example Shop");
    expect(page).toContain(stored.hash);
    expect(page).toContain(`${missing.hash}</code>: texts not received yet`);
    expect((await auditRows()).filter((row) => row.action === "view_proof")).toHaveLength(2);
  });

  it("in the CSV and the subject-access JSON export", async () => {
    const { consentId, clicked, scripted, older, stored } = await visitor();
    const rows = parseCsv(await (await staffRequest(`/api/staff/events.csv?consentId=${consentId}`)).text());
    const header = rows[0] ?? [];
    const column = (row: string[] | undefined, name: string) => row?.[header.indexOf(name)];
    const byEvent = new Map(rows.slice(1).map((row) => [row[0], row]));
    expect(header.slice(-9)).toEqual([
      "source",
      "trusted",
      "privacy_url",
      "region",
      "rule_set",
      "basis",
      "claimed_rule_set",
      "texts_status",
      "texts",
    ]);
    const clickedRow = byEvent.get(clicked.eventId);
    expect([column(clickedRow, "source"), column(clickedRow, "trusted"), column(clickedRow, "privacy_url")]).toEqual([
      "banner",
      "true",
      "https://shop.example/privacy-policy",
    ]);
    expect(column(clickedRow, "texts_status")).toBe("stored");
    expect(column(clickedRow, "texts")).toBe(bodyOf(stored.texts));
    const scriptedRow = byEvent.get(scripted.eventId);
    expect([
      column(scriptedRow, "source"),
      column(scriptedRow, "trusted"),
      column(scriptedRow, "texts_status"),
    ]).toEqual(["api", "false", "not_received"]);
    const olderRow = byEvent.get(older.eventId);
    expect([column(olderRow, "source"), column(olderRow, "trusted"), column(olderRow, "texts_status")]).toEqual([
      "",
      "",
      "revision",
    ]);

    const exported = (await (
      await staffRequest(`/api/staff/consents/${consentId}?download=1`)
    ).json()) as SubjectAccessExport;
    const byId = new Map(exported.events.map((event) => [event.eventId, event]));
    expect(byId.get(clicked.eventId)).toMatchObject({
      source: "banner",
      trusted: true,
      privacyUrl: "https://shop.example/privacy-policy",
      shownTexts: { status: "stored", texts: JSON.parse(bodyOf(stored.texts)) },
    });
    expect(byId.get(scripted.eventId)).toMatchObject({ trusted: false, shownTexts: { status: "not_received" } });
    expect(byId.get(older.eventId)).toMatchObject({ source: null, trusted: null, shownTexts: { status: "revision" } });
  });
});

describe("retention", () => {
  it("removes text sets no remaining event refers to, and keeps those still referred to", async () => {
    const now = Date.UTC(2026, 10, 27, 3, 17);
    const old = new Date(now - 800 * 86_400_000).toISOString();
    const recent = new Date(now - 86_400_000).toISOString();
    const gone = await siteTexts("Only in old events");
    const kept = await siteTexts("In old and recent events");
    await seed([
      newEvent({ receivedAt: old, textsHash: gone.hash }),
      newEvent({ receivedAt: old, textsHash: kept.hash }),
      newEvent({ receivedAt: recent, textsHash: kept.hash }),
    ]);
    for (const { texts, hash } of [gone, kept]) expect((await putTexts(hash, bodyOf(texts))).status).toBe(201);

    const controller = createScheduledController({ scheduledTime: now, cron: "17 3 * * *" });
    const ctx = createExecutionContext();
    await worker.scheduled(controller, staffEnv(), ctx);
    await waitOnExecutionContext(ctx);

    expect((await storedSets()).map((set) => set.hash)).toEqual([kept.hash]);
  });

  it("reads whether a set is held in the very batch that stores the event", async () => {
    const { texts, hash } = await siteTexts();
    await seed([newEvent({ textsHash: hash })]);
    expect((await putTexts(hash, bodyOf(texts))).status).toBe(201);
    const event = newEvent({ textsHash: hash });
    const held = env.DB.prepare("SELECT 1 AS held FROM text_sets WHERE hash = ?").bind(hash);
    const outcome = await recordEvent(env.DB, event, [recordCurrentRevision(env.DB, event.receivedAt), held]);
    expect(outcome.alongside.at(-1)?.results).toEqual([{ held: 1 }]);
  });
});
