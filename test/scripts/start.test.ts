/**
 * `npm start` allows its own demo on any PORT and the origins a developer
 * lists in `.dev.vars`, without editing wrangler.toml (which the tests read).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { countryVars, DEV_ALLOWED_ORIGINS, localAllowedOrigins } from "../../scripts/start.ts";

describe("npm start's allowed origins", () => {
  it("allows the demo on the PORT it runs on, not only 8787", () => {
    expect(localAllowedOrigins("8790", "")).toEqual({
      origins: ["http://127.0.0.1:8790", "http://localhost:8790"],
      problems: [],
    });
  });

  it("adds the origins listed under DEV_ALLOWED_ORIGINS in .dev.vars, normalised and without repeats", () => {
    const devVars = [
      "# local secrets",
      'STAFF_TOKENS={"dev":"abc"}',
      "DEV_ALLOWED_ORIGINS= https://www.shop.test , https://shop.test/ ,,http://localhost:8787,HTTPS://SHOP.TEST:443",
    ].join("\n");
    expect(localAllowedOrigins("8787", devVars)).toEqual({
      origins: ["http://127.0.0.1:8787", "http://localhost:8787", "https://www.shop.test", "https://shop.test"],
      problems: [],
    });
  });

  it("reads a quoted value and reports entries that are not origins", () => {
    const { origins, problems } = localAllowedOrigins(
      "8787",
      'DEV_ALLOWED_ORIGINS="https://shop.test,shop.test,file:///tmp/page.html"',
    );
    expect(origins).toEqual(["http://127.0.0.1:8787", "http://localhost:8787", "https://shop.test"]);
    expect(problems).toHaveLength(2);
    expect(problems[0]).toContain('"shop.test" is not an origin');
    expect(problems[1]).toContain('"file:///tmp/page.html" is not an origin');
  });

  it("says to rename ALLOWED_ORIGINS in .dev.vars, which would replace the origins the tests post from", () => {
    const { origins, problems } = localAllowedOrigins("8787", "ALLOWED_ORIGINS=https://shop.test");
    expect(origins).toEqual(["http://127.0.0.1:8787", "http://localhost:8787"]);
    expect(problems).toEqual([expect.stringContaining(`rename it ${DEV_ALLOWED_ORIGINS}`)]);
  });

  it("reads the example line of .dev.vars.example once it is uncommented", () => {
    const example = readFileSync(join(import.meta.dirname, "..", "..", ".dev.vars.example"), "utf8");
    expect(localAllowedOrigins("8787", example).origins).toHaveLength(2);
    const uncommented = example.replace(/^# (DEV_ALLOWED_ORIGINS=)/m, "$1");
    expect(localAllowedOrigins("8787", uncommented)).toEqual({
      origins: ["http://127.0.0.1:8787", "http://localhost:8787", "http://shop.localhost:8080"],
      problems: [],
    });
  });
});

describe("npm start -- --country", () => {
  it("forces the country and turns the UK exception on for analytics unless .dev.vars sets it", () => {
    expect(countryVars([], "")).toEqual({ vars: [] });
    expect(countryVars(["--country", "gb"], "")).toEqual({
      vars: ["DEV_FORCE_COUNTRY:GB", "UK_EXCEPTION:analytics"],
    });
    expect(countryVars(["--country", "DE"], "UK_EXCEPTION=analytics,functionality\n")).toEqual({
      vars: ["DEV_FORCE_COUNTRY:DE"],
    });
  });

  it("says what to change for a value that is not two letters", () => {
    expect(countryVars(["--country", "GBR"], "").problem).toBe("--country GBR: use two letters, e.g. GB or DE");
    expect(countryVars(["--country"], "").problem).toMatch(/use two letters/);
  });
});
