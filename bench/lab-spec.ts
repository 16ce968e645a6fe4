/**
 * The network lab every approach builds, so they do the same work: in one namespace, N bridges, each with an
 * address, an `allow` line in the namespace's bridge.conf and one veth pair whose first end is enslaved to it.
 */

/** Names and address of bridge `i` of the lab. Pure. */
export interface LabBridge {
  bridge: string;
  /** CIDR on the bridge: 10.<hi>.<lo>.1/24, unique for i < 65536. */
  address: string;
  /** First veth end (enslaved to the bridge) and its peer. */
  veth: string;
  peer: string;
}

/** Bridge `i` of the lab. Pure. */
export function labBridge(i: number): LabBridge {
  return {
    bridge: `qlbr${i}`,
    address: `10.${(i >> 8) & 255}.${i & 255}.1/24`,
    veth: `qlv${i}`,
    peer: `qlp${i}`,
  };
}

/** Every bridge of a lab of size n. Pure. */
export function labBridges(n: number): LabBridge[] {
  return Array.from({ length: n }, (_, i) => labBridge(i));
}

/** The namespaced bridge.conf a lab in `netns` uses (`ip netns exec` shows it as /etc/qemu/bridge.conf). */
export function labAclPath(netns: string): string {
  return `/etc/netns/${netns}/qemu/bridge.conf`;
}

/** How many resources the Pulumi program declares for a lab of size n: the namespace + 4 per bridge. */
export function labResourceCount(n: number): number {
  return 1 + 4 * n;
}
