import { isIpv4 } from "../ip/ipv4";
import { isMacAddress } from "../ip/mac";
/** One IPv4 lease as dnsmasq's lease file records it. */
export interface DhcpLease {
  /** Lower-case MAC address. */
  mac: string;
  ip: string;
  /** The name the client sent (or a static lease's), absent when dnsmasq wrote `*`. */
  hostname?: string;
  /** When the lease ends, in seconds since the epoch (UTC); 0 = never (an infinite lease), as dnsmasq writes it. */
  expiresAt: number;
}


/**
 * Parse dnsmasq's lease file: `<expiry> <mac> <ip> <hostname|*> <client-id|*>` per IPv4 lease. The `duid` line and
 * DHCPv6 leases (an IAID, not a MAC, in field 2) are skipped, as are lines that do not parse (a file being rewritten
 * is read whole, but a person may have edited it). Pure; tested with exact tables.
 */
export function parseLeaseFile(text: string): DhcpLease[] {
  const out: DhcpLease[] = [];
  for (const line of text.split("\n")) {
    const f = line.trim().split(/\s+/);
    if (f.length < 4 || !/^\d+$/.test(f[0]!) || !isMacAddress(f[1]!) || !isIpv4(f[2]!)) continue;
    const hostname = f[3] === "*" ? undefined : f[3]!;
    out.push({ mac: f[1]!.toLowerCase(), ip: f[2]!, ...(hostname === undefined ? {} : { hostname }), expiresAt: Number(f[0]) });
  }
  return out;
}

/** True while a lease holds at `nowSeconds` (0 = infinite). Pure. */
export function leaseCurrent(lease: DhcpLease, nowSeconds: number): boolean {
  return lease.expiresAt === 0 || lease.expiresAt > nowSeconds;
}
