/**
 * The MTU rule of a VXLAN tunnel over IPv4 and what it means for the bridge it joins. Pure.
 */

/** What VXLAN over IPv4 adds to each frame: outer Ethernet 14 + IPv4 20 + UDP 8 + VXLAN 8. */
export const VXLAN_IPV4_OVERHEAD = 50;

/** Linux's smallest MTU for an Ethernet-like link (and IPv4's minimum). */
export const LINK_MTU_MIN = 68;

/** The tunnel's MTU: the one asked for, else the underlay's minus {@link VXLAN_IPV4_OVERHEAD}; or why there is none. */
export function tunnelMtu(asked: number | undefined, underlayMtu: number): { mtu: number } | { error: string } {
  if (asked !== undefined) return { mtu: asked };
  const mtu = underlayMtu - VXLAN_IPV4_OVERHEAD;
  if (mtu < LINK_MTU_MIN)
    return { error: `the underlay's MTU ${underlayMtu} leaves ${mtu} for the tunnel (VXLAN adds ${VXLAN_IPV4_OVERHEAD}), below Linux's minimum ${LINK_MTU_MIN}: raise the underlay's MTU` };
  return { mtu };
}

/** What the MTU warnings are computed from (all read from the host). */
export interface MtuFacts {
  name: string;
  bridge: string;
  tunnelMtu: number;
  /** The bridge's MTU now; undefined when the bridge is not there. */
  bridgeMtu?: number;
  /** The underlay's name and MTU; undefined when no link holds the local address. */
  underlay?: { name: string; mtu: number };
  localAddress: string;
  /** The bridge's other ports with their MTUs. */
  ports: readonly { name: string; mtu: number }[];
}

/** The note create/update leave when they lowered the bridge's MTU. */
export function loweredNote(bridge: string, from: number, to: number): string {
  return `lowered bridge "${bridge}"'s MTU from ${from} to ${to} to match the tunnel (VXLAN adds ${VXLAN_IPV4_OVERHEAD} bytes to each frame)`;
}

/** True for a warning made by {@link loweredNote} (kept by refresh: it reports what an earlier change did). */
export function isLoweredNote(w: string): boolean {
  return /^lowered bridge ".*"'s MTU from \d+ to \d+ /.test(w);
}

/** Warnings about a tunnel that works but may drop frames, from what the host has now. Pure. */
export function mtuWarnings(f: MtuFacts): string[] {
  const w: string[] = [];
  if (f.underlay === undefined)
    w.push(`no link holds the local address ${f.localAddress} any more: the tunnel sends nothing until it is back`);
  else if (f.tunnelMtu + VXLAN_IPV4_OVERHEAD > f.underlay.mtu)
    w.push(
      `MTU ${f.tunnelMtu} plus VXLAN's ${VXLAN_IPV4_OVERHEAD} exceeds the underlay "${f.underlay.name}"'s MTU ${f.underlay.mtu}: ` +
        `full-size frames are fragmented or dropped; use at most ${f.underlay.mtu - VXLAN_IPV4_OVERHEAD}`,
    );
  if (f.bridgeMtu !== undefined && f.bridgeMtu > f.tunnelMtu)
    w.push(`bridge "${f.bridge}"'s MTU ${f.bridgeMtu} exceeds the tunnel's ${f.tunnelMtu}: frames over ${f.tunnelMtu} are dropped; the next update lowers it`);
  const big = f.ports.filter((p) => p.name !== f.name && p.mtu > f.tunnelMtu);
  if (big.length > 0)
    w.push(
      `ports of "${f.bridge}" with an MTU above the tunnel's ${f.tunnelMtu}: ${big.map((p) => `${p.name} (${p.mtu})`).join(", ")}; ` +
        `frames over ${f.tunnelMtu} from them are dropped at the tunnel: give the guests behind them MTU ${f.tunnelMtu} (DHCP option 26, cloud-init)`,
    );
  return w;
}
