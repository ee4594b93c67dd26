/**
 * @module
 * The first layer: a labelled region that never takes focus or blocks the
 * page (no cookie wall, EDPB 05/2020), with Reject all beside Accept all in
 * the same style (ICO; CNIL 2020-092) and a link to the privacy statement.
 */
import type { Messages } from "../../shared/messages.ts";

export interface BannerProps {
  messages: Messages;
  privacyUrl: string;
  onAcceptAll: () => void;
  onRejectAll: () => void;
  onManage: () => void;
}

export function Banner({ messages, privacyUrl, onAcceptAll, onRejectAll, onManage }: BannerProps) {
  return (
    <section class="banner" aria-label={messages.bannerLabel}>
      <h2>{messages.bannerTitle}</h2>
      <p>
        {messages.bannerText} <a href={privacyUrl}>{messages.privacyLink}</a>
      </p>
      <div class="actions">
        <button type="button" class="btn" onClick={onRejectAll}>
          {messages.rejectAll}
        </button>
        <button type="button" class="btn" onClick={onAcceptAll}>
          {messages.acceptAll}
        </button>
        <button type="button" class="btn" aria-haspopup="dialog" onClick={onManage}>
          {messages.manage}
        </button>
      </div>
    </section>
  );
}
