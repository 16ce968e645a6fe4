import { isUp, type IpLink } from "../../host/ip/ip-json";

/** A veth pair as the kernel reports it (both ends). */
export interface ObservedVethPair {
  name: string;
  peerName: string;
  up: boolean;
  macAddress: string;
  peerMacAddress: string;
  ifindex: number;
  peerIfindex: number;
}

/** True when a link is a veth end (`linkinfo.info_kind` "veth"; needs `ip -d`). */
export function isVeth(link: IpLink | undefined): link is IpLink {
  return link?.linkinfo?.info_kind === "veth";
}

/**
 * True when `peer` is the other end of `end`. In one namespace ip names the peer (`link`); across
 * namespaces it gives the peer's ifindex (`link_index`) in the other namespace. Pure.
 */
export function arePeers(end: IpLink, peer: IpLink, sameNamespace: boolean): boolean {
  if (!isVeth(end) || !isVeth(peer)) return false;
  if (sameNamespace) return end.link === peer.ifname && peer.link === end.ifname;
  const endPeerIndex = end.link_index;
  const peerPeerIndex = peer.link_index;
  return endPeerIndex === peer.ifindex && peerPeerIndex === end.ifindex;
}

/** The pair, or undefined when `end` is not a veth whose other end is `peer`. Pure. */
export function observeVethPair(end: IpLink | undefined, peer: IpLink | undefined, sameNamespace: boolean): ObservedVethPair | undefined {
  if (!end || !peer || !arePeers(end, peer, sameNamespace)) return undefined;
  return {
    name: end.ifname,
    peerName: peer.ifname,
    up: isUp(end) && isUp(peer),
    macAddress: end.address ?? "",
    peerMacAddress: peer.address ?? "",
    ifindex: end.ifindex,
    peerIfindex: peer.ifindex,
  };
}
