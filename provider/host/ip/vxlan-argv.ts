/**
 * Argument lists for VXLAN devices and their flood entries (iproute2 6.1's syntax), apart from running them. Pure.
 */

/** The all-zeros MAC: a VXLAN fdb entry with it is a flood entry (broadcast, unknown unicast, multicast go there). */
export const FLOOD_MAC = "00:00:00:00:00:00";

/** VXLAN's IANA port (the kernel's own default is Linux's pre-IANA 8472). */
export const VXLAN_PORT = 4789;

/** What `ip link add … type vxlan` is given. */
export interface VxlanSpec {
  name: string;
  vni: number;
  localAddress: string;
  port: number;
  mtu: number;
  /** Link group marking a new device as ours until its alias is written. */
  group?: number;
}

/**
 * `ip link add name N mtu M [group G] type vxlan id VNI local L dstport P nolearning`. No `dev`: the kernel routes the
 * encapsulated packets by the namespace's routes, so the tunnel follows the underlay wherever it goes. `nolearning`:
 * remote MACs come from flooding to the listed remotes only. Pure.
 */
export function vxlanAddArgs(s: VxlanSpec): string[] {
  const group = s.group === undefined ? [] : ["group", String(s.group)];
  return [
    "link", "add", "name", s.name, "mtu", String(s.mtu), ...group,
    "type", "vxlan", "id", String(s.vni), "local", s.localAddress, "dstport", String(s.port), "nolearning",
  ];
}

/** `ip link set dev N master B`: enslave a link to a bridge. Pure. */
export function masterArgs(name: string, bridge: string): string[] {
  return ["link", "set", "dev", name, "master", bridge];
}

/**
 * One flood entry of a VXLAN device. `port`, `vni` and `via` are set only when the entry overrides the device's own
 * (the kernel reports them only then); an entry this package writes has none of them.
 */
export interface FloodEntry {
  dst: string;
  port?: number;
  vni?: number;
  /** The underlay link the entry is pinned to (`via DEV`). */
  via?: string;
}

/** `fdb append|del 00:00:00:00:00:00 dev D dst X [port P] [vni V] [via L]`: `bridge` arguments. Pure. */
export function floodEntryArgs(op: "append" | "del", dev: string, e: FloodEntry): string[] {
  const args = ["fdb", op, FLOOD_MAC, "dev", dev, "dst", e.dst];
  if (e.port !== undefined) args.push("port", String(e.port));
  if (e.vni !== undefined) args.push("vni", String(e.vni));
  if (e.via !== undefined) args.push("via", e.via);
  return args;
}

/** `bridge` run against a network namespace (`bridge -n NS …`, like `ip -n`), or the root one. Pure. */
export function bridgeArgv(netns: string | undefined, args: readonly string[]): string[] {
  return netns ? ["bridge", "-n", netns, ...args] : ["bridge", ...args];
}

/** A flood entry as a person (and a tunnel's `remotes` output) reads it: `10.0.0.2`, or with its overrides. Pure. */
export function describeFloodEntry(e: FloodEntry): string {
  const extra = [e.port !== undefined ? `port ${e.port}` : "", e.vni !== undefined ? `vni ${e.vni}` : "", e.via !== undefined ? `via ${e.via}` : ""];
  return [e.dst, ...extra.filter((x) => x !== "")].join(" ");
}

/** True for an entry that sends to `dst` with the device's own port and VNI: what a `remotes` item asks for. Pure. */
export function isPlainFloodEntry(e: FloodEntry): boolean {
  return e.port === undefined && e.vni === undefined && e.via === undefined;
}
