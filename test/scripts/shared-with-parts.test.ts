/**
 * Parts take some core modules from the core instead of bundling a copy: the build gives a part
 * only the exports vite.config.ts SHARED_WITH_PARTS lists (any other import fails its build), read
 * from the object the core shares (`shareWithParts` in widget/ui/mount.ts). The two lists must
 * agree, or a part reads `undefined` where the build promised a value.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect, it } from "vitest";
import { SHARED_WITH_PARTS } from "../../vite.config.ts";

it("the core shares every export the build lets parts import from it, under the same name", () => {
  const mount = readFileSync(join(import.meta.dirname, "..", "..", "widget/ui/mount.ts"), "utf8");
  const shared: Record<string, string[]> = {};
  for (const [, name, body] of mount.matchAll(/shareWithParts\("(\w+)", \{([^}]*)\}\)/g)) {
    shared[name as string] = (body as string)
      .split(",")
      .map((key) => key.trim())
      .filter(Boolean)
      .sort();
  }
  const promised: Record<string, string[]> = {};
  for (const { name, exports } of Object.values(SHARED_WITH_PARTS)) {
    promised[name] = [...(promised[name] ?? []), ...exports].sort();
  }
  expect(shared).toEqual(promised);
});
