/**
 * @module
 * The banner's part: requested as soon as the core finds no valid choice, so
 * a returning visitor's page never loads it.
 */
import bannerCss from "../ui/banner.css?inline";
import { createBanner } from "../ui/banner.ts";

export interface BannerPart {
  css: string;
  create: typeof createBanner;
}

export default { css: bannerCss, create: createBanner } satisfies BannerPart;
