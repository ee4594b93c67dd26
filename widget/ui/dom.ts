/**
 * @module
 * A tiny element builder for the parts every visitor sees (the banner and the
 * re-open button): plain DOM, so the first paint runs no renderer and compiles
 * none of Preact's code. The dialog, which has state, is Preact's.
 */

/** `<tag attr=…>children</tag>`; attributes are set as strings, children appended in order. */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Record<string, string>,
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const name in attributes) element.setAttribute(name, attributes[name] as string);
  element.append(...children);
  return element;
}

/** A `type="button"` button that calls `onPress` when clicked (also by keyboard). */
export function button(attributes: Record<string, string>, label: Node | string, onPress: () => void) {
  const element = el("button", { type: "button", ...attributes }, label);
  element.addEventListener("click", onPress);
  return element;
}
