import { describe, expect, it } from "vitest";
import {
  type ConsentRecord,
  decodeRecord,
  encodeRecord,
  isCurrent,
  methodOf,
  newestRecord,
  newUuid,
  withdrawnCategories,
} from "../../widget/consent-state.ts";

const NOW = Date.UTC(2026, 10, 27, 12, 0, 0);
const DAY = 86_400_000;

const record: ConsentRecord = {
  consentId: "3f1c2a4e-8b7d-4c3a-9e2f-1a2b3c4d5e6f",
  revision: "0123456789abcdef",
  time: NOW,
  choices: { analytics: true, functionality: false, targeting: true },
};

describe("consent cookie value", () => {
  it("round-trips and stays far under 300 bytes", () => {
    const value = encodeRecord(record);
    expect(`opencontact_consent=${value}`.length).toBeLessThan(300);
    expect(decodeRecord(value, NOW)).toEqual(record);
  });

  it("treats corrupt, edited, forged or other-version values as no consent", () => {
    const value = encodeRecord(record);
    const parts = value.split(".");
    const edited = [...parts.slice(0, 4), "7", parts[5]].join(".");
    const otherVersion = ["2", ...parts.slice(1)].join(".");
    const future = encodeRecord({ ...record, time: NOW + 3 * DAY });
    for (const bad of [
      "",
      "garbage",
      value.slice(0, -1),
      edited,
      otherVersion,
      `${value}.extra`,
      value.replace(record.consentId, "not-a-uuid"),
      "x".repeat(400),
    ]) {
      expect(decodeRecord(bad, NOW)).toBeNull();
    }
    expect(decodeRecord(future, NOW)).toBeNull();
    expect(decodeRecord(undefined, NOW)).toBeNull();
  });
});

describe("several consent cookies (one per cookie domain)", () => {
  const older = encodeRecord({ ...record, time: NOW - DAY, choices: { ...record.choices, targeting: false } });
  const newer = encodeRecord({ ...record, choices: { analytics: false, functionality: false, targeting: false } });

  it("takes the newest valid choice, whatever order document.cookie lists them in", () => {
    for (const values of [
      [older, newer],
      [newer, older],
    ]) {
      expect(newestRecord(values, record.revision, NOW)?.choices.analytics).toBe(false);
    }
    // A newer cookie that is corrupt or from the future is no choice at all.
    expect(newestRecord([older, `${newer}x`], record.revision, NOW)?.time).toBe(NOW - DAY);
    expect(newestRecord([older, encodeRecord({ ...record, time: NOW + 3 * DAY })], record.revision, NOW)?.time).toBe(
      NOW - DAY,
    );
  });

  it("prefers the current revision at the same second", () => {
    const current = encodeRecord(record);
    const previous = encodeRecord({ ...record, revision: "fedcba9876543210" });
    for (const values of [
      [current, previous],
      [previous, current],
    ]) {
      expect(newestRecord(values, record.revision, NOW)?.revision).toBe(record.revision);
    }
  });

  it("is no choice when there is no valid cookie", () => {
    expect(newestRecord([], record.revision, NOW)).toBeNull();
    expect(newestRecord(["garbage", ""], record.revision, NOW)).toBeNull();
  });
});

describe("whether a stored choice counts", () => {
  it("counts for the same revision until it expires", () => {
    expect(isCurrent(record, record.revision, NOW + 181 * DAY, 182)).toBe(true);
    expect(isCurrent(record, record.revision, NOW + 182 * DAY, 182)).toBe(false);
    expect(isCurrent(record, "fedcba9876543210", NOW, 182)).toBe(false);
    expect(isCurrent(null, record.revision, NOW, 182)).toBe(false);
  });
});

describe("the log method of a choice", () => {
  const none = { analytics: false, functionality: false, targeting: false };
  const all = { analytics: true, functionality: true, targeting: true };

  it("is the button pressed, unless a granted category is turned off (a withdrawal)", () => {
    expect(methodOf("accept_all", null, all)).toBe("accept_all");
    expect(methodOf("reject_all", undefined, none)).toBe("reject_all");
    expect(methodOf("reject_all", none, none)).toBe("reject_all");
    expect(methodOf("custom", none, { ...none, analytics: true })).toBe("custom");
    expect(methodOf("reject_all", all, none)).toBe("withdraw");
    expect(methodOf("custom", all, { ...all, targeting: false })).toBe("withdraw");
    expect(withdrawnCategories(all, { ...none, functionality: true })).toEqual(["analytics", "targeting"]);
  });
});

describe("consent ids", () => {
  it("are random RFC 9562 version 4 UUIDs", () => {
    const ids = new Set(Array.from({ length: 100 }, newUuid));
    expect(ids.size).toBe(100);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});
