/**
 * `npm run deploy --previous-release` keeps what the live release serves:
 * a real HTTP server plays the live consent host, a temporary folder the new
 * build. Pages that cached the old core still find its parts, pinned
 * versions stay for good, and nothing is re-published that its release did
 * not make.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { keepPreviousRelease, type Release } from "../../scripts/keep-release.ts";
import { partFile } from "../../widget/part-file.ts";

/** SRI hashes as builds write them: sha384 for the core (and an older build's parts), sha256 for parts. */
const sri = (text: string, algorithm = "sha384") =>
  `${algorithm}-${createHash(algorithm).update(text).digest("base64")}`;

/** What the live host serves, path by path. */
let live: Record<string, string> = {};
let server: Server;
let origin = "";

beforeAll(async () => {
  server = createServer((request, response) => {
    const body = live[request.url ?? ""];
    response.writeHead(body === undefined ? 404 : 200).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/**
 * A release of `version` with a dialog part, its files and manifest; `partAlgorithm`: sha256 as
 * builds now hash parts (and name them from it, widget/part-file.ts), sha384 as older builds did.
 */
function release(version: string, core: string, dialog: string, kept?: Release["kept"], partAlgorithm = "sha256") {
  const dialogIntegrity = sri(dialog, partAlgorithm);
  const dialogFile = partFile("dialog", dialogIntegrity);
  const manifest: Release = {
    version,
    path: `/v/${version}/consent.js`,
    integrity: sri(core),
    parts: { dialog: { path: `/v/${version}/${dialogFile}`, integrity: dialogIntegrity } },
    ...(kept ? { kept } : {}),
  };
  const files: Record<string, string> = {
    "/consent.js": core,
    [`/v/${version}/consent.js`]: core,
    [`/${dialogFile}`]: dialog,
    [`/v/${version}/${dialogFile}`]: dialog,
  };
  return { manifest, files };
}

/** Writes a release as a new build would leave it in dist/public. */
function build({ manifest, files }: ReturnType<typeof release>): string {
  const dir = mkdtempSync(join(tmpdir(), "keep-release-"));
  dirs.push(dir);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  writeFileSync(join(dir, "consent-release.json"), JSON.stringify(manifest));
  return dir;
}

function serve({ manifest, files }: ReturnType<typeof release>): void {
  live = { ...files, "/consent-release.json": JSON.stringify(manifest) };
}

describe("keeping the live release's widget files", () => {
  it("carries the old parts (pinned and unpinned) and the old pinned core into the new build", async () => {
    const old = release("0.1.0", "core one", "dialog one");
    serve(old);
    const outDir = build(release("0.2.0", "core two", "dialog two"));

    const result = await keepPreviousRelease(origin, outDir);

    const oldDialog = old.manifest.parts.dialog?.path ?? "";
    expect(result?.written.sort()).toEqual(
      ["/v/0.1.0/consent.js", oldDialog, oldDialog.replace("/v/0.1.0", "")].sort(),
    );
    expect(readFileSync(join(outDir, oldDialog), "utf8")).toBe("dialog one");
    expect(readFileSync(join(outDir, "v/0.1.0/consent.js"), "utf8")).toBe("core one");
    // The new build's own files are untouched.
    expect(readFileSync(join(outDir, "consent.js"), "utf8")).toBe("core two");
    // Pinned files are listed for the next deploy; the unpinned old part is not.
    const kept = (JSON.parse(readFileSync(join(outDir, "consent-release.json"), "utf8")) as Release).kept ?? [];
    expect(kept.map((file) => file.path).sort()).toEqual(["/v/0.1.0/consent.js", oldDialog].sort());
  });

  it("keeps a pinned version two deploys later, through the kept list", async () => {
    const first = release("0.1.0", "core one", "dialog one");
    serve(first);
    const secondBuild = build(release("0.2.0", "core two", "dialog two"));
    await keepPreviousRelease(origin, secondBuild);
    // The second release goes live with what it kept.
    live = {};
    for (const path of ["consent-release.json", "v/0.1.0/consent.js", "v/0.2.0/consent.js"]) {
      live[`/${path}`] = readFileSync(join(secondBuild, path), "utf8");
    }
    for (const file of Object.values(first.manifest.parts)) live[file.path] = "dialog one";
    for (const file of Object.values(release("0.2.0", "core two", "dialog two").manifest.parts)) {
      live[file.path] = "dialog two";
      live[file.path.replace("/v/0.2.0", "")] = "dialog two";
    }
    const thirdBuild = build(release("0.3.0", "core three", "dialog three"));

    await keepPreviousRelease(origin, thirdBuild);

    expect(readFileSync(join(thirdBuild, "v/0.1.0/consent.js"), "utf8")).toBe("core one");
    expect(readFileSync(join(thirdBuild, "v/0.2.0/consent.js"), "utf8")).toBe("core two");
    // The first release's unpinned part was only for one deploy.
    const firstDialog = first.manifest.parts.dialog?.path.replace("/v/0.1.0", "") ?? "";
    expect(existsSync(join(thirdBuild, firstDialog))).toBe(false);
  });

  it("checks each file in its own algorithm: an older build's sha384 parts beside a sha384 core", async () => {
    const old = release("0.1.0", "core one", "dialog one", undefined, "sha384");
    serve(old);
    const outDir = build(release("0.2.0", "core two", "dialog two"));

    const result = await keepPreviousRelease(origin, outDir);

    const oldDialog = old.manifest.parts.dialog?.path ?? "";
    expect(old.manifest.parts.dialog?.integrity).toMatch(/^sha384-/);
    expect(result?.written).toContain(oldDialog);
    expect(readFileSync(join(outDir, oldDialog), "utf8")).toBe("dialog one");
    // And a tampered sha384 part is refused as a sha256 one is.
    serve(old);
    live[oldDialog] = "dialog one, tampered";
    await expect(keepPreviousRelease(origin, build(release("0.2.0", "core two", "dialog two")))).rejects.toThrow(
      /does not match the integrity sha384-/,
    );
  });

  it("refuses a live file that does not match the hash its release published", async () => {
    const old = release("0.1.0", "core one", "dialog one");
    serve(old);
    live[old.manifest.parts.dialog?.path ?? ""] = "dialog one, tampered";
    const outDir = build(release("0.2.0", "core two", "dialog two"));

    await expect(keepPreviousRelease(origin, outDir)).rejects.toThrow(/does not match the integrity/);
  });

  it("refuses other bytes at a pinned path still live: the same version built again", async () => {
    serve(release("0.1.0", "core one", "dialog one"));
    const outDir = build(release("0.1.0", "core one, changed", "dialog one"));

    await expect(keepPreviousRelease(origin, outDir)).rejects.toThrow(
      /\/v\/0\.1\.0\/consent\.js is live with other bytes.*new version/,
    );
  });

  it("says so when nothing is live yet, and names a file it cannot fetch", async () => {
    live = {};
    expect(await keepPreviousRelease(origin, build(release("0.1.0", "core", "dialog")))).toBeNull();

    const old = release("0.1.0", "core one", "dialog one");
    serve(old);
    delete live["/v/0.1.0/consent.js"];
    await expect(keepPreviousRelease(origin, build(release("0.2.0", "core two", "dialog two")))).rejects.toThrow(
      /\/v\/0\.1\.0\/consent\.js: HTTP 404/,
    );
  });
});
