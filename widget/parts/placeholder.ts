/**
 * @module
 * The placeholder part, loaded only when the gate finds an iframe whose
 * category is off: it draws the embed's placeholder (widget/ui/placeholder.ts)
 * and brings its default texts and the declaration's service names with it.
 */
import { coverFrame } from "../ui/placeholder.ts";

export type PlaceholderPart = typeof coverFrame;

export default coverFrame;
