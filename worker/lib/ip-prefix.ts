/**
 * @module
 * Truncates an IP address so the log can show roughly where a consent came
 * from without holding personal data beyond need (EDPB 05/2020; COMPLIANCE.md
 * item 14): IPv4 to its /24, IPv6 to its /48. The raw address is never stored.
 */

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

function ipv4Prefix(ip: string): string | null {
  const match = IPV4.exec(ip);
  if (!match) return null;
  const octets = match.slice(1, 4).map(Number);
  if (octets.some((octet) => octet > 255) || Number(match[4]) > 255) return null;
  return `${octets.join(".")}.0/24`;
}

/** Expands `::` and returns the eight hextets, or null if malformed. */
function ipv6Hextets(ip: string): string[] | null {
  const halves = ip.split("::");
  if (halves.length > 2) return null;
  const head = halves[0] ? halves[0].split(":") : [];
  const tail = halves.length === 2 && halves[1] ? halves[1].split(":") : [];
  // An embedded IPv4 tail (::ffff:1.2.3.4) counts as two hextets.
  const last = tail.length ? tail : head;
  const lastPart = last[last.length - 1];
  if (lastPart?.includes(".")) {
    const v4 = IPV4.exec(lastPart);
    if (!v4) return null;
    const [a, b, c, d] = v4.slice(1).map(Number) as [number, number, number, number];
    last.splice(-1, 1, ((a << 8) | b).toString(16), ((c << 8) | d).toString(16));
  }
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return null;
  const hextets = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill("0"), ...tail];
  return hextets.every((h) => /^[0-9a-f]{1,4}$/i.test(h)) ? hextets : null;
}

function ipv6Prefix(ip: string): string | null {
  const hextets = ipv6Hextets(ip.split("%")[0] ?? "");
  if (!hextets) return null;
  // An IPv4-mapped address is really IPv4: truncate it as one.
  if (hextets.slice(0, 5).every((h) => /^0+$/.test(h)) && /^ffff$/i.test(hextets[5] ?? "")) {
    const high = Number.parseInt(hextets[6] ?? "0", 16);
    const low = Number.parseInt(hextets[7] ?? "0", 16);
    return `${high >> 8}.${high & 255}.${low >> 8}.0/24`;
  }
  const kept = hextets.slice(0, 3).map((h) => Number.parseInt(h, 16).toString(16));
  return `${kept.join(":")}::/48`;
}

/** The /24 or /48 network of `ip`, or null when it is missing or not an IP. */
export function ipPrefix(ip: string | null | undefined): string | null {
  if (!ip) return null;
  const trimmed = ip.trim();
  return trimmed.includes(":") ? ipv6Prefix(trimmed) : ipv4Prefix(trimmed);
}
