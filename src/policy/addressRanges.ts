import ipaddr from "ipaddr.js";

type IPv4 = ipaddr.IPv4;
type IPv6 = ipaddr.IPv6;

// IANA global unicast. Everything else in IPv6 is special-purpose or unallocated, so it is refused.
const GLOBAL_UNICAST = ipaddr.parseCIDR("2000::/3");
// Well-known NAT64 prefix (RFC 6052): the last 32 bits are the IPv4 host the translator connects to.
const NAT64_WELL_KNOWN = ipaddr.parseCIDR("64:ff9b::/96");
// 6to4 (RFC 3056): bits 16..47 are the IPv4 address of the relay endpoint.
const SIX_TO_FOUR = ipaddr.parseCIDR("2002::/16");

/**
 * Whether `ip` is an ordinary public unicast address that an upstream fetch may connect to.
 * Refuses loopback, private, link-local (so cloud metadata 169.254.169.254 and fd00:ec2::254),
 * CGNAT, unspecified, broadcast, multicast, documentation/benchmark/reserved ranges, IPv6 ULA,
 * and IPv6 forms that embed a non-public IPv4 address (mapped, translated, NAT64, 6to4).
 * Anything that is not a canonical IP address (dotted quad or IPv6) is refused.
 *
 * @example isPublicAddress("8.8.8.8") // true
 * @example isPublicAddress("::ffff:127.0.0.1") // false
 */
export function isPublicAddress(ip: string): boolean {
  // Only canonical forms: "127.1" or "0x7f000001" are hostnames to the resolver, never addresses here.
  if (ipaddr.IPv4.isValidFourPartDecimal(ip)) return isPublicIPv4(ipaddr.IPv4.parse(ip));
  if (ipaddr.IPv6.isValid(ip)) return isPublicIPv6(ipaddr.IPv6.parse(ip));
  return false;
}

function isPublicIPv4(address: IPv4): boolean {
  // ipaddr.js names every special-purpose block (RFC 6890 and later); only "unicast" is left over.
  return address.range() === "unicast";
}

function isPublicIPv6(address: IPv6): boolean {
  const embedded = embeddedIPv4(address);
  if (embedded) return isPublicIPv4(embedded);
  // ULA fc00::/7 (incl. AWS metadata fd00:ec2::254), link-local, teredo, 64:ff9b:1::/48 (local NAT64),
  // IPv4-compatible ::/96 and the rest all fall outside "unicast" within 2000::/3.
  return address.range() === "unicast" && address.match(GLOBAL_UNICAST);
}

/** The IPv4 address a v6 address stands for, where the v6 form is just a way to reach that v4 host. */
function embeddedIPv4(address: IPv6): IPv4 | undefined {
  const p = address.parts;
  const range = address.range();
  if (range === "ipv4Mapped" || range === "rfc6145" || address.match(NAT64_WELL_KNOWN)) {
    return fromWords(p[6]!, p[7]!);
  }
  if (address.match(SIX_TO_FOUR)) return fromWords(p[1]!, p[2]!);
  return undefined;
}

function fromWords(high: number, low: number): IPv4 {
  return new ipaddr.IPv4([high >> 8, high & 0xff, low >> 8, low & 0xff]);
}
