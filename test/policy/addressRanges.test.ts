import { describe, expect, test } from "vitest";
import { isPublicAddress } from "../../src/policy/addressRanges.js";

describe("isPublicAddress", () => {
  test("default: public IPv4 and IPv6 unicast are allowed", () => {
    expect(isPublicAddress("8.8.8.8")).toBe(true);
    expect(isPublicAddress("1.1.1.1")).toBe(true);
    expect(isPublicAddress("2606:4700::1111")).toBe(true);
    expect(isPublicAddress("2001:4860:4860::8888")).toBe(true);
  });

  test.each([
    ["IPv4 loopback", "127.0.0.1"],
    ["IPv4 loopback, end of /8", "127.255.255.254"],
    ["RFC1918 10/8", "10.0.0.1"],
    ["RFC1918 172.16/12 start", "172.16.0.1"],
    ["RFC1918 172.16/12 end", "172.31.255.255"],
    ["RFC1918 192.168/16", "192.168.1.1"],
    ["link-local", "169.254.0.1"],
    ["cloud metadata", "169.254.169.254"],
    ["CGNAT start", "100.64.0.1"],
    ["CGNAT end", "100.127.255.255"],
    ["unspecified", "0.0.0.0"],
    ["this network 0/8", "0.1.2.3"],
    ["broadcast", "255.255.255.255"],
    ["multicast", "224.0.0.1"],
    ["multicast SSDP", "239.255.255.250"],
    ["reserved 240/4", "240.0.0.1"],
    ["IETF protocol assignments", "192.0.0.1"],
    ["TEST-NET-1", "192.0.2.1"],
    ["TEST-NET-2", "198.51.100.1"],
    ["TEST-NET-3", "203.0.113.1"],
    ["benchmarking", "198.18.0.1"],
  ])("behavior: refuses IPv4 %s (%s)", (_name, ip) => {
    expect(isPublicAddress(ip)).toBe(false);
  });

  test.each([
    ["loopback", "::1"],
    ["unspecified", "::"],
    ["ULA fc00::/7", "fc00::1"],
    ["ULA fd00::/8", "fd12:3456::1"],
    ["AWS metadata", "fd00:ec2::254"],
    ["link-local", "fe80::1"],
    ["link-local with zone id", "fe80::1%eth0"],
    ["deprecated site-local", "fec0::1"],
    ["multicast link scope", "ff02::1"],
    ["multicast site scope", "ff05::2"],
    ["documentation", "2001:db8::1"],
    ["teredo", "2001::1"],
    ["local-use NAT64 64:ff9b:1::/48", "64:ff9b:1::a00:1"],
    ["outside 2000::/3", "4000::1"],
    ["IPv4-compatible loopback", "::127.0.0.1"],
  ])("behavior: refuses IPv6 %s (%s)", (_name, ip) => {
    expect(isPublicAddress(ip)).toBe(false);
  });

  test.each([
    ["IPv4-mapped loopback, dotted", "::ffff:127.0.0.1"],
    ["IPv4-mapped loopback, hex (as the URL parser writes it)", "::ffff:7f00:1"],
    ["IPv4-mapped private", "::ffff:10.0.0.1"],
    ["IPv4-mapped metadata", "::ffff:169.254.169.254"],
    ["IPv4-translated loopback (RFC 6145)", "::ffff:0:127.0.0.1"],
    ["NAT64 loopback", "64:ff9b::127.0.0.1"],
    ["NAT64 metadata", "64:ff9b::a9fe:a9fe"],
    ["6to4 loopback", "2002:7f00:1::1"],
    ["6to4 private", "2002:a00:1::1"],
    ["6to4 metadata", "2002:a9fe:a9fe::"],
  ])("behavior: refuses %s (%s)", (_name, ip) => {
    expect(isPublicAddress(ip)).toBe(false);
  });

  test.each([
    ["IPv4-mapped public", "::ffff:8.8.8.8"],
    ["NAT64 public", "64:ff9b::808:808"],
    ["6to4 public", "2002:808:808::1"],
  ])("behavior: allows %s (%s), judged by the embedded IPv4", (_name, ip) => {
    expect(isPublicAddress(ip)).toBe(true);
  });

  test.each([
    ["below CGNAT", "100.63.255.255"],
    ["above CGNAT", "100.128.0.0"],
    ["below 172.16/12", "172.15.255.255"],
    ["above 172.16/12", "172.32.0.0"],
    ["below link-local", "169.253.255.255"],
    ["above multicast gap", "223.255.255.255"],
  ])("behavior: allows the public edge %s (%s)", (_name, ip) => {
    expect(isPublicAddress(ip)).toBe(true);
  });

  test.each([
    ["empty", ""],
    ["a host name", "localhost"],
    ["short IPv4 form", "127.1"],
    ["hex IPv4 form", "0x7f000001"],
    ["integer IPv4 form", "2130706433"],
    ["three-part form of a public address", "8.8.2056"],
    ["bracketed IPv6", "[::1]"],
    ["garbage", "::g"],
  ])("behavior: refuses what is not a canonical address: %s (%s)", (_name, ip) => {
    expect(isPublicAddress(ip)).toBe(false);
  });
});
