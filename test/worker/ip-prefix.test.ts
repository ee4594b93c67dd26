import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ipPrefix } from "../../worker/lib/ip-prefix.ts";

describe("ipPrefix", () => {
  it.each([
    ["203.0.113.77", "203.0.113.0/24"],
    ["0.0.0.0", "0.0.0.0/24"],
    ["2001:db8:abcd:12::1", "2001:db8:abcd::/48"],
    ["2001:0db8:00ab:ffff:0:0:0:1", "2001:db8:ab::/48"],
    ["::1", "0:0:0::/48"],
    ["::ffff:198.51.100.9", "198.51.100.0/24"],
    ["fe80::1%eth0", "fe80:0:0::/48"],
  ])("%s → %s", (ip, prefix) => {
    expect(ipPrefix(ip)).toBe(prefix);
  });

  it.each([null, undefined, "", "256.1.1.1", "1.2.3", "not an ip", "1::2::3", "12345::", "1:2:3:4:5:6:7:8:9"])(
    "%s → null",
    (ip) => {
      expect(ipPrefix(ip)).toBeNull();
    },
  );

  it("never returns the host part of any IPv4 or IPv6 address", () => {
    fc.assert(
      fc.property(fc.ipV4(), (ip) => {
        const prefix = ipPrefix(ip);
        expect(prefix).toMatch(/^\d+\.\d+\.\d+\.0\/24$/);
        expect(prefix?.split(".").slice(0, 3)).toEqual(
          ip
            .split(".")
            .slice(0, 3)
            .map((octet) => String(Number(octet))),
        );
      }),
    );
    fc.assert(
      fc.property(fc.ipV6(), (ip) => {
        expect(ipPrefix(ip)).toMatch(/(^[0-9a-f]{1,4}:[0-9a-f]{1,4}:[0-9a-f]{1,4}::\/48$)|(\.0\/24$)/);
      }),
    );
  });
});
