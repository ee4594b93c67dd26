/**
 * @module
 * The preferences dialog's part: the dialog (plain DOM) and its styles,
 * loaded when the banner is idle, when a way to the dialog is hovered or
 * focused, or when the dialog is asked for.
 */
import dialogCss from "../ui/dialog.css?inline";
import { openPreferences, type PreferencesProps } from "../ui/preferences.ts";

export interface DialogPart {
  css: string;
  /**
   * Shows the dialog in `layer`, or removes it (`null`), giving focus back. The core calls it on
   * every change it draws: a dialog already shown stays as it is, draft and focus included (props
   * cannot change while it is open: a choice, or a reset, closes it).
   */
  render(layer: HTMLElement, props: PreferencesProps | null): void;
}

/** Each layer's open dialog: what closes it. */
const shown = new WeakMap<HTMLElement, () => void>();

export default {
  css: dialogCss,
  render(layer, props) {
    const close = shown.get(layer);
    if (props && !close) shown.set(layer, openPreferences(layer, props));
    if (!props && close) {
      shown.delete(layer);
      close();
    }
  },
} satisfies DialogPart;
