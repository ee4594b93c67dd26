/**
 * @module
 * The optional cookie categories, worded as the privacy statement words them
 * ("Use of Cookies"). Widget and worker both read this list, so the toggles a
 * visitor sees and the columns the log stores cannot drift apart.
 */

/** Category ids, in the order the statement lists them. */
export const CATEGORY_IDS = ["analytics", "functionality", "targeting"] as const;

export type CategoryId = (typeof CATEGORY_IDS)[number];

/** One boolean per optional category; `true` means the visitor granted it. */
export type Choices = Record<CategoryId, boolean>;

export interface Category {
  id: CategoryId;
  name: string;
  description: string;
}

/** Names and descriptions are the statement's own words. */
export const CATEGORIES: readonly Category[] = [
  {
    id: "analytics",
    name: "Analytical or performance cookies",
    description:
      "They allow us to recognise and count the number of visitors and to see how visitors move around the website when they are using it. This helps us to improve the way our website works, for example, by ensuring that users are finding what they are looking for easily.",
  },
  {
    id: "functionality",
    name: "Functionality cookies",
    description:
      "These are used to recognise when you return to the website. This enables us to personalise our content for you.",
  },
  {
    id: "targeting",
    name: "Targeting cookies",
    description:
      "These cookies record your visit to the website, the pages you have visited and the links you have followed. We will use this information to make our website and the advertising displayed more relevant to your interests.",
  },
];

/** Silence is refusal (ICO; CNIL 2020-092): every optional category starts off. */
export const NO_CONSENT: Choices = { analytics: false, functionality: false, targeting: false };

export const ALL_GRANTED: Choices = { analytics: true, functionality: true, targeting: true };
