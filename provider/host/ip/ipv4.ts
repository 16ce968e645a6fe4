/**
 * IPv4 arithmetic on dotted quads: one definition of "the network of a CIDR", "inside a network" and ranges, shared by
 * check rules (DHCP ranges, NAT source networks) and the NatNetwork component's defaults. Pure.
 */

/** A dotted quad without leading zeros (`ip` and QEMU read 010 as octal). */
const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/** True for a dotted-quad IPv4 address (no leading zeros). Pure. */
export function isIpv4(s: string): boolean {
  return IPV4.test(s);
}

/** An IPv4 network: its address, prefix length, and first/last addresses as 32-bit numbers. */
export interface Ipv4Network {
  /** Network address, dotted (host bits cleared). */
  network: string;
  prefix: number;
  /** Network address as a number. */
  first: number;
  /** Broadcast address as a number. */
  last: number;
}

/** Dotted quad → 32-bit unsigned number; undefined when not an IPv4 address. */
export function ipv4ToNumber(text: string): number | undefined {
  if (!isIpv4(text)) return undefined;
  return text.split(".").reduce((n, o) => n * 256 + Number(o), 0);
}

/** 32-bit unsigned number → dotted quad. */
export function numberToIpv4(n: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join(".");
}

/**
 * The network of `a.b.c.d/len` (host bits allowed: `192.168.122.1/24` → 192.168.122.0/24), or a reason it is not one.
 */
export function ipv4NetworkOf(cidr: string): Ipv4Network | { error: string } {
  const m = /^([^/]+)\/(\d{1,2})$/.exec(cidr);
  if (!m) return { error: "must be an IPv4 CIDR like 192.168.122.0/24" };
  const addr = ipv4ToNumber(m[1]!);
  if (addr === undefined) return { error: `"${m[1]}" is not an IPv4 address` };
  // Why no zero padding: `ip` and `nft` would read 024 as octal.
  if (/^0\d/.test(m[2]!) || Number(m[2]) > 32) return { error: "prefix length must be a whole number from 0 to 32, without leading zeros" };
  const prefix = Number(m[2]);
  const size = 2 ** (32 - prefix);
  const first = Math.floor(addr / size) * size;
  return { network: numberToIpv4(first), prefix, first, last: first + size - 1 };
}

/** `192.168.122.0/24` for a network. */
export function formatIpv4Network(n: Ipv4Network): string {
  return `${n.network}/${n.prefix}`;
}

/** True when `ip` lies in `n` (network and broadcast addresses included). */
export function ipv4InNetwork(ip: string, n: Ipv4Network): boolean {
  const v = ipv4ToNumber(ip);
  return v !== undefined && v >= n.first && v <= n.last;
}

/** True when `ip` is a usable host address of `n` (not its network or broadcast address, for prefixes up to /30). */
export function ipv4IsHostOf(ip: string, n: Ipv4Network): boolean {
  const v = ipv4ToNumber(ip);
  if (v === undefined || v < n.first || v > n.last) return false;
  return n.prefix >= 31 || (v !== n.first && v !== n.last);
}

/** IPv4 loopback, `127.0.0.0/8`. */
export const LOOPBACK_IPV4_NET = "127.0.0.0/8";

/** True for an address in 127.0.0.0/8. Pure. */
export function isLoopbackIpv4(ip: string): boolean {
  const v = ipv4ToNumber(ip);
  return v !== undefined && Math.floor(v / 2 ** 24) === 127;
}
