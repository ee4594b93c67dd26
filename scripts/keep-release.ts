/**
 * @module
 * Carries the live release's widget files into a new build before it is
 * uploaded, because a deploy replaces every static asset and two kinds of
 * page would otherwise break:
 *
 * - A page that cached the previous `/consent.js` (five minutes, plus an hour
 *   of stale-while-revalidate) asks for the parts that build baked in, by
 *   their content-hashed names (`/parts/<name>.<hash>.js`). They are carried
 *   over for one deploy: after it, no cached copy of that core is left.
 * - A site that pinned `/v/<version>/consent.js` with `integrity` was promised
 *   an immutable file; when the version changes, the old pinned core and its
 *   parts would vanish. Every pinned file is carried over for good, deploy
 *   after deploy, through the `kept` list each release publishes.
 *
 * Every file fetched is checked against the SRI hash its release published,
 * so a deploy never re-publishes bytes that release did not make. A file the
 * new build already has is left as built (a content-hashed name means the
 * same bytes); a pinned path the new build rewrites with other bytes (the
 * same version built again) is refused: bump the version. Used by `npm run deploy --previous-release <origin>`
 * (docs/deploy.md).
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";

/** One file a release lists: its path on the consent host and its SRI hash. */
export interface ReleaseFile {
  path: string;
  integrity: string;
}

/** The parts of `consent-release.json` (vite.config.ts) this module reads and writes. */
export interface Release {
  version: string;
  path: string;
  integrity: string;
  parts: Record<string, ReleaseFile>;
  /** Pinned files of earlier releases this one still serves. */
  kept?: ReleaseFile[];
}

export interface KeepResult {
  /** Paths written into the new build. */
  written: string[];
  /** Paths the new build already had. */
  present: string[];
}

/**
 * `bytes`' SRI hash in the algorithm `integrity` names: sha384 for cores (and older builds'
 * parts), sha256 for parts; an algorithm SRI does not know never matches.
 */
function sri(bytes: Uint8Array, integrity: string): string {
  const algorithm = /^sha(256|384|512)-/.exec(integrity)?.[0].slice(0, -1) ?? "sha384";
  return `${algorithm}-${createHash(algorithm).update(bytes).digest("base64")}`;
}

/** `/v/0.1.0/parts/dialog.ab12.js` → `/parts/dialog.ab12.js`: where a cached unpinned core asks for it. */
function unpinnedPath(path: string): string {
  return path.replace(/^\/v\/[^/]+\//, "/");
}

/** Every file of `previous` a new build must keep serving. */
export function filesToKeep(previous: Release): ReleaseFile[] {
  const parts = Object.values(previous.parts);
  const files: ReleaseFile[] = [
    { path: previous.path, integrity: previous.integrity },
    ...parts,
    ...parts.map((part) => ({ path: unpinnedPath(part.path), integrity: part.integrity })),
    ...(previous.kept ?? []),
  ];
  const byPath = new Map(files.map((file) => [file.path, file]));
  return [...byPath.values()];
}

/**
 * Fetches the release live at `origin` and writes what it must keep serving into `outDir`
 * (`dist/public`), then records the pinned files in the new `consent-release.json`'s `kept`.
 * Returns null when `origin` has no release yet (a first deploy). Throws, naming the file, when
 * a file cannot be fetched or does not match its published hash: deploying then would break
 * pages that use it.
 */
export async function keepPreviousRelease(
  origin: string,
  outDir: string,
  fetcher: typeof fetch = fetch,
): Promise<KeepResult | null> {
  const manifestUrl = new URL("/consent-release.json", origin);
  const response = await fetcher(manifestUrl);
  if (response.status === 404) return null;
  if (!response.ok) throw new Error(`${manifestUrl}: HTTP ${response.status}`);
  const previous = (await response.json()) as Release;
  if (typeof previous?.path !== "string" || typeof previous.parts !== "object") {
    throw new Error(`${manifestUrl} is not a consent release (no path or parts)`);
  }

  const result: KeepResult = { written: [], present: [] };
  for (const file of filesToKeep(previous)) {
    if (!/^\/[\w./-]+\.js$/.test(file.path) || file.path.includes("..")) {
      throw new Error(`${manifestUrl} lists an unexpected path: ${file.path}`);
    }
    const target = join(outDir, file.path);
    if (existsSync(target)) {
      // A content-hashed part has the same bytes; a pinned core of the same version may not.
      if (sri(readFileSync(target), file.integrity) !== file.integrity) {
        throw new Error(
          `${file.path} is live with other bytes (${file.integrity}); sites that pinned it would break. ` +
            "Give this build a new version (package.json) so its pinned path is new.",
        );
      }
      result.present.push(file.path);
      continue;
    }
    const fileUrl = new URL(file.path, origin);
    const fileResponse = await fetcher(fileUrl);
    if (!fileResponse.ok) throw new Error(`${fileUrl}: HTTP ${fileResponse.status}`);
    const bytes = new Uint8Array(await fileResponse.arrayBuffer());
    if (sri(bytes, file.integrity) !== file.integrity) {
      throw new Error(`${fileUrl} does not match the integrity ${file.integrity} its release published`);
    }
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, bytes);
    result.written.push(file.path);
  }

  // Pinned files stay for good; unpinned parts only for this one deploy (no cached core needs them after).
  const releasePath = join(outDir, "consent-release.json");
  const next = JSON.parse(readFileSync(releasePath, "utf8")) as Release;
  const pinnedNow = new Set([next.path, ...Object.values(next.parts).map((part) => part.path)]);
  next.kept = filesToKeep(previous).filter((file) => file.path.startsWith("/v/") && !pinnedNow.has(file.path));
  writeFileSync(releasePath, `${JSON.stringify(next, null, 2)}\n`);
  return result;
}
