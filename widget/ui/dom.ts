/**
 * @module
 * A tiny element builder for the banner and the re-open button, which every
 * visitor sees: plain DOM, so the first paint runs no renderer. The dialog's
 * part builds with the same functions, taken from the core (vite.config.ts
 * SHARED_WITH_PARTS), not a copy of its own.
 */

type Children = (Node | string)[];

/** Sets the attributes (as strings) and appends the children in order. */
function fill<E extends Element>(element: E, attributes: Record<string, string>, children: Children): E {
  for (const name in attributes) element.setAttribute(name, attributes[name] as string);
  element.append(...children);
  return element;
}

/** `<tag attr=…>children</tag>` in HTML. */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Record<string, string>,
  ...children: Children
): HTMLElementTagNameMap[K] {
  return fill(document.createElement(tag), attributes, children);
}

/** The same in SVG, for icons. */
export function svg<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attributes: Record<string, string>,
  ...children: Children
): SVGElementTagNameMap[K] {
  return fill(document.createElementNS("http://www.w3.org/2000/svg", tag), attributes, children);
}

/** A `type="button"` button that calls `onPress` with the click event when clicked (also by keyboard). */
export function button(attributes: Record<string, string>, label: Node | string, onPress: (press: Event) => void) {
  const element = el("button", { type: "button", ...attributes }, label);
  element.addEventListener("click", onPress);
  return element;
}
