/**
 * @module
 * The widget's UI root: renders what the controller says (banner, re-open
 * button, preferences dialog) and sends every press back to it.
 */
import type { WidgetConfig } from "../config.ts";
import type { Controller } from "../controller.ts";
import { Banner } from "./banner.tsx";
import { Preferences } from "./preferences.tsx";

export interface AppProps {
  controller: Controller;
  config: WidgetConfig;
}

/** A cookie with two bites, drawn in currentColor. */
function CookieIcon() {
  return (
    <svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true">
      <path d="M12 2a10 10 0 1 0 10 10 3.5 3.5 0 0 1-4.5-4A3.5 3.5 0 0 1 13 3.3 1.5 1.5 0 0 0 12 2Zm-4 7a1.5 1.5 0 1 1 0 3 1.5 1.5 0 0 1 0-3Zm6 5a1.5 1.5 0 1 1 0 3 1.5 1.5 0 0 1 0-3Zm-6 1.5a1 1 0 1 1 0 2 1 1 0 0 1 0-2Z" />
    </svg>
  );
}

/** Rendered again by mount() whenever the controller changes. */
export function App({ controller, config }: AppProps) {
  const view = controller.view();
  const { messages, categories } = config.texts;
  return (
    <div class="root" lang={config.language}>
      {view.banner && (
        <Banner
          messages={messages}
          privacyUrl={config.privacyUrl}
          onAcceptAll={() => void controller.api.acceptAll()}
          onRejectAll={() => void controller.api.rejectAll()}
          onManage={controller.showPreferences}
        />
      )}
      {!view.banner && config.floatingButton && (
        <button
          type="button"
          class="reopen"
          aria-label={messages.reopen}
          aria-haspopup="dialog"
          onClick={controller.showPreferences}
        >
          <CookieIcon />
        </button>
      )}
      {view.preferences && (
        <Preferences
          messages={messages}
          categories={categories}
          privacyUrl={config.privacyUrl}
          language={config.language}
          consent={view.consent}
          gpc={view.gpc}
          onChoose={(action, choices) => void controller.choose(action, choices)}
          onClose={controller.closePreferences}
        />
      )}
    </div>
  );
}
