/**
 * Property: whatever a client sends, the worker never answers 5xx and never
 * writes a row for an invalid body. 1,000 random and mutated bodies.
 */
import fc from "fast-check";
import * as v from "valibot";
import { beforeAll, expect, it } from "vitest";
import { CONSENT_BODY_LIMIT } from "../../shared/api.ts";
import { ConsentEventSchema } from "../../shared/consent-schema.ts";
import { countEvents, freshLog, postConsent, validBody } from "./helpers.ts";

beforeAll(freshLog);

const FIELDS = ["eventId", "consentId", "method", "choices", "revision", "pageUrl", "language", "gpc", "widgetVersion"];

/** Values of every JSON shape, including ones no field accepts. */
const anyJson = fc.oneof(
  fc.string(),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.string(), { maxLength: 3 }),
  fc.dictionary(fc.string(), fc.string(), { maxKeys: 3 }),
  fc.string({ minLength: 3000, maxLength: 5000 }),
);

/** A valid body broken in exactly one way that the schema must refuse. */
const mutatedBody = fc.oneof(
  fc.record({ kind: fc.constant("drop"), field: fc.constantFrom(...FIELDS) }),
  fc.record({ kind: fc.constant("retype"), field: fc.constantFrom(...FIELDS), value: anyJson }),
  fc.record({
    kind: fc.constant("extra"),
    key: fc
      .string({ minLength: 1 })
      .filter((key) => !FIELDS.includes(key) && key !== "textsHash" && key !== "__proto__"),
    value: anyJson,
  }),
  fc.record({
    kind: fc.constant("category"),
    field: fc.constantFrom("analytics", "functionality", "targeting", "social"),
    value: anyJson,
  }),
);

type Mutation = { kind: string; field?: string; key?: string; value?: unknown };

function mutate(mutation: Mutation): Record<string, unknown> {
  const body: Record<string, unknown> = { ...validBody() };
  if (mutation.kind === "drop" && mutation.field) delete body[mutation.field];
  if (mutation.kind === "retype" && mutation.field) body[mutation.field] = mutation.value;
  if (mutation.kind === "extra" && mutation.key) body[mutation.key] = mutation.value;
  if (mutation.kind === "category" && mutation.field) {
    body.choices = { ...(body.choices as object), [mutation.field]: mutation.value };
  }
  return body;
}

const rawBody = fc.oneof(
  // Valid bodies interleaved, so the property also proves they are stored.
  fc.constant(null).map(() => JSON.stringify(validBody())),
  fc.string(),
  fc.json(),
  fc.jsonValue().map((value) => JSON.stringify(value)),
  mutatedBody.map((mutation) => JSON.stringify(mutate(mutation))),
);

it("answers 1,000 random and mutated bodies without a 5xx, storing only valid ones", async () => {
  await fc.assert(
    fc.asyncProperty(rawBody, fc.constantFrom("application/json", "text/plain"), async (raw, contentType) => {
      const before = await countEvents();
      const response = await postConsent(raw, { contentType });
      expect(response.status).toBeLessThan(500);
      let valid = false;
      try {
        valid = new TextEncoder().encode(raw).length <= CONSENT_BODY_LIMIT && v.is(ConsentEventSchema, JSON.parse(raw));
      } catch {
        valid = false;
      }
      if (valid) {
        expect(response.status).toBe(201);
        expect(await countEvents()).toBe(before + 1);
      } else {
        expect(response.status).toBeGreaterThanOrEqual(400);
        expect(await countEvents()).toBe(before);
        const body = (await response.json()) as { error: { code: string; message: string } };
        expect(body.error.message).toBeTruthy();
      }
    }),
    { numRuns: 1000 },
  );
}, 120_000);
