import { canonicalCidr } from "./cidr";
import { canonicalCidrList } from "./cidr-list";
import { cidrOf, isUp, type IpLink } from "./ip-json";

/** A bridge as the kernel reports it: the properties the Bridge resource manages plus identity. */
export interface ObservedBridge {
  name: string;
  ifindex: number;
  macAddress: string;
  mtu: number;
  /** STP on: `stp_state` 1 (kernel STP) or 2 (user-space STP daemon). */
  stp: boolean;
  /** Administratively up (the UP flag), not carrier. */
  up: boolean;
  /** Canonical CIDRs in a stable order (IPv4 first, numeric). */
  addresses: string[];
}

/** True when a link is a Linux bridge (`linkinfo.info_kind` "bridge"; needs `ip -d`). */
export function isBridgeLink(link: IpLink): boolean {
  return link.linkinfo?.info_kind === "bridge";
}

/** What kind of link this is, for messages ("veth", "dummy", "device" when ip names no kind). */
export function linkKindOf(link: IpLink): string {
  return link.linkinfo?.info_kind ?? "device";
}

/**
 * The addresses a user manages on a link. Kernel-made IPv6 link-local addresses (fe80::/10,
 * scope link) appear whenever the link is up, so they are left out unless listed in
 * `keepLinkLocal` (a link-local address the user asked for).
 */
export function userAddresses(link: IpLink, keepLinkLocal: readonly string[] = []): string[] {
  const keep = new Set(keepLinkLocal.map(canonicalCidr));
  const out = link.addr_info
    .filter((a) => !(a.family === "inet6" && a.scope === "link") || keep.has(canonicalCidr(cidrOf(a))))
    .map(cidrOf);
  return canonicalCidrList(out);
}

/** The observed state of a bridge, or undefined when the link is not a bridge. Pure. */
export function observeBridge(link: IpLink, keepLinkLocal: readonly string[] = []): ObservedBridge | undefined {
  if (!isBridgeLink(link)) return undefined;
  const stp = link.linkinfo?.info_data?.stp_state;
  return {
    name: link.ifname,
    ifindex: link.ifindex,
    macAddress: link.address ?? "",
    mtu: link.mtu,
    stp: typeof stp === "number" ? stp !== 0 : false,
    up: isUp(link),
    addresses: userAddresses(link, keepLinkLocal),
  };
}
