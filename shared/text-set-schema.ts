/**
 * @module
 * The one schema for a set of banner texts a site showed instead of the
 * defaults (`PUT /api/texts/:hash`): exactly the object the widget hashes
 * into `textsHash`, the shape of `bannerTexts()` in shared/revision.ts.
 * Every core message key (a part's, the placeholder's, when worded) and the
 * three optional categories, strings only. The
 * worker validates with it; the widget imports only the type.
 */
import * as v from "valibot";
import { CATEGORY_IDS, type CategoryId } from "./categories.ts";
import { DEFAULT_MESSAGES, type MessageKey, PART_MESSAGE_KEYS, type PartMessageKey } from "./messages.ts";

const MESSAGE_KEYS = Object.keys(DEFAULT_MESSAGES) as MessageKey[];

const text = (path: string) => v.string(`${path} must be a string`);

/** valibot quotes a received key (`"x"`); the message names it as the field path does. */
const keyOf = (issue: v.BaseIssue<unknown>) => String(issue.received).replace(/^"(.*)"$/, "$1");

const unknownKey = (where: string) => (issue: v.BaseIssue<unknown>) =>
  issue.expected === "never"
    ? `unknown field ${where}${keyOf(issue)}`
    : `${where ? `${where.slice(0, -1)} ` : "body "}must be an object`;

const category = (id: CategoryId, index: number) =>
  v.strictObject(
    {
      id: v.literal(id, `categories.${index}.id must be "${id}"`),
      name: text(`categories.${index}.name`),
      description: text(`categories.${index}.description`),
    },
    (issue) =>
      issue.expected === "never"
        ? `unknown field categories.${index}.${keyOf(issue)}`
        : `categories.${index} must be an object with id, name and description`,
  );

// A part's messages (the placeholder's) are there only when a site or a pack worded them: the widget
// leaves their defaults out, since they ship with the part. Listed after the core's, as hashed.
const messages = v.strictObject(
  {
    ...(Object.fromEntries(MESSAGE_KEYS.map((key) => [key, text(`messages.${key}`)])) as Record<
      MessageKey,
      ReturnType<typeof text>
    >),
    ...(Object.fromEntries(PART_MESSAGE_KEYS.map((key) => [key, v.optional(text(`messages.${key}`))])) as Record<
      PartMessageKey,
      v.OptionalSchema<ReturnType<typeof text>, undefined>
    >),
  },
  unknownKey("messages."),
);

export const TextSetSchema = v.strictObject(
  {
    categories: v.strictTuple(
      CATEGORY_IDS.map(category) as [
        ReturnType<typeof category>,
        ReturnType<typeof category>,
        ReturnType<typeof category>,
      ],
      `categories must be the three optional categories in order: ${CATEGORY_IDS.join(", ")}`,
    ),
    messages,
  },
  unknownKey(""),
);

export type TextSet = v.InferOutput<typeof TextSetSchema>;

/**
 * The bytes a text set's hash covers, as the widget hashes them
 * (widget/texts.ts `textsHash`): categories, then messages, each in the
 * order of shared/categories.ts and shared/messages.ts.
 */
export function textSetSource(set: Pick<TextSet, "categories" | "messages">): string {
  return JSON.stringify({ categories: set.categories, messages: set.messages });
}
