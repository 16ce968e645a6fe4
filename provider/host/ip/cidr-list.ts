import { isIP } from "node:net";
import { canonicalCidr, canonicalIp } from "./cidr";

/** A parsed CIDR as `ip addr add` takes it: an address (host bits allowed) and a prefix length. */
export interface ParsedCidr {
  family: 4 | 6;
  address: string;
  prefix: number;
}

/**
 * Parse `addr/prefix`; returns a reason a person can act on when it is not a usable interface
 * address. Pure; the single source of truth for the Bridge's address validation.
 */
export function parseCidr(text: string): ParsedCidr | { error: string } {
  const example = "like 10.0.0.1/24 or fd00::1/64";
  const parts = text.split("/");
  if (parts.length !== 2) return { error: `must be a CIDR with a prefix length, ${example}` };
  const [addr, prefixText] = parts as [string, string];
  // Zone ids (fe80::1%eth0) pass node's isIP but ip addr add rejects them.
  const family = addr.includes("%") ? 0 : isIP(addr);
  if (family !== 4 && family !== 6) return { error: `"${addr}" is not an IPv4 or IPv6 address (${example})` };
  const max = family === 4 ? 32 : 128;
  // Why no zero padding: `ip` reads a prefix like 024 as octal (a /20), so the kernel would get another network.
  if (/^0\d+$/.test(prefixText))
    return { error: `prefix length must be a whole number from 0 to ${max} for IPv${family}, without leading zeros (ip reads 024 as octal)` };
  if (!/^\d{1,3}$/.test(prefixText) || Number(prefixText) > max)
    return { error: `prefix length must be a whole number from 0 to ${max} for IPv${family}` };
  const canon = canonicalIp(addr);
  if (canon === "0.0.0.0" || canon === "::") return { error: "the unspecified address cannot be assigned to an interface" };
  if (family === 6 && canon.startsWith("ff")) return { error: "a multicast address cannot be assigned to an interface" };
  if (family === 6 && /^::ffff:[0-9a-f]{1,4}:[0-9a-f]{1,4}$/.test(canon))
    return { error: "IPv4-mapped IPv6 addresses are rejected by the kernel: write the IPv4 address instead" };
  return { family, address: canon, prefix: Number(prefixText) };
}

/**
 * What makes two addresses on one link the same kernel object: IPv6 keeps one entry per address
 * (a second prefix length is "address already assigned"); IPv4 keys on address and prefix.
 */
export function addressIdentity(c: ParsedCidr): string {
  return c.family === 6 ? `6 ${c.address}` : `4 ${c.address}/${c.prefix}`;
}

/** Byte values of an address, for numeric ordering. */
function addressBytes(c: ParsedCidr): number[] {
  if (c.family === 4) return c.address.split(".").map(Number);
  const [head, tail] = c.address.split("::") as [string, string | undefined];
  const h = head ? head.split(":") : [];
  const t = tail ? tail.split(":") : [];
  const groups = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill("0"), ...t];
  return groups.flatMap((g) => {
    const n = parseInt(g, 16);
    return [n >> 8, n & 0xff];
  });
}

/** Order for reported addresses: IPv4 before IPv6, then numerically by address, then by prefix. */
export function compareCidrs(a: string, b: string): number {
  const pa = parseCidr(a);
  const pb = parseCidr(b);
  if ("error" in pa || "error" in pb) return a < b ? -1 : a > b ? 1 : 0; // unparsable last-resort: text order
  if (pa.family !== pb.family) return pa.family - pb.family;
  const ba = addressBytes(pa);
  const bb = addressBytes(pb);
  for (let i = 0; i < ba.length; i++) if (ba[i] !== bb[i]) return ba[i]! - bb[i]!;
  return pa.prefix - pb.prefix;
}

/** Canonical text (lower-case, compressed IPv6), de-duplicated and in a stable order. */
export function canonicalCidrList(cidrs: readonly string[]): string[] {
  return [...new Set(cidrs.map(canonicalCidr))].sort(compareCidrs);
}

/** Set equality of two address lists: order and spelling (IPv6 compression, case) do not matter. */
export function sameCidrSet(a: readonly string[], b: readonly string[]): boolean {
  const ca = canonicalCidrList(a);
  const cb = canonicalCidrList(b);
  return ca.length === cb.length && ca.every((x, i) => x === cb[i]);
}
