/**
 * @module
 * The preferences dialog's part: Preact, the dialog and its styles, loaded
 * when the banner is idle, when a way to the dialog is hovered or focused,
 * or when the dialog is asked for.
 */
// biome-ignore lint/correctness/noUnusedImports: h is the classic JSX factory (vite.config.ts): the JSX below compiles to h() calls
import { h, render } from "preact";
import dialogCss from "../ui/dialog.css?inline";
import { Preferences, type PreferencesProps } from "../ui/preferences.tsx";

export interface DialogPart {
  css: string;
  /** Renders the dialog into `layer`, or removes it (`null`). */
  render(layer: HTMLElement, props: PreferencesProps | null): void;
}

export default {
  css: dialogCss,
  render: (layer, props) => render(props && <Preferences {...props} />, layer),
} satisfies DialogPart;
