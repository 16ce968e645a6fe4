import type { Host } from "../host";
import { addressesByMac } from "../dnsmasq/lease-lookup";

/**
 * The first address slirp's built-in DHCP server hands out (network 10.0.2.0/24, gateway 10.0.2.2): each user-mode NIC
 * is a network of its own whose only client is the guest, so a guest that asks by DHCP gets this one.
 */
export const SLIRP_FIRST_DHCP_ADDRESS = "10.0.2.15";

/** A NIC as far as its addresses go. */
export type AddressedNic = { type: "user" } | { type: "bridge"; mac: string };

/**
 * Per-NIC addresses from what is known: for user NICs the address slirp hands out (listed whether or not the guest
 * asked for it: slirp keeps no lease file to read), `byMac` for bridge NICs. Pure.
 */
export function nicAddressesFrom(nics: readonly AddressedNic[], byMac: ReadonlyMap<string, string[]>): string[][] {
  return nics.map((n) => (n.type === "user" ? [SLIRP_FIRST_DHCP_ADDRESS] : [...(byMac.get(n.mac.toLowerCase()) ?? [])]));
}

/**
 * Each NIC's IPv4 addresses by position. Bridge NICs: the static hosts and current leases of the DhcpServers on the
 * host's stateDir (files only: refresh starts no process). An unreadable lease store is no addresses, not an error.
 */
export async function nicAddresses(host: Host, nics: readonly AddressedNic[]): Promise<string[][]> {
  const byMac = nics.some((n) => n.type === "bridge") ? await addressesByMac(host.files, host.stateDir).catch(() => new Map<string, string[]>()) : new Map<string, string[]>();
  return nicAddressesFrom(nics, byMac);
}
