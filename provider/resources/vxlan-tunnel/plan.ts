import { masterArgs, isPlainFloodEntry, type FloodEntry } from "../../host/ip/vxlan-argv";

/** What the device has, as far as a plan needs it. */
export interface CurrentTunnel {
  mtu: number;
  up: boolean;
  /** "" when not enslaved. */
  bridge: string;
  flood: readonly FloodEntry[];
}

/** What the inputs ask for. */
export interface DesiredTunnel {
  name: string;
  bridge: string;
  mtu: number;
  up: boolean;
  remotes: readonly string[];
}

/** The changes that bring a tunnel to the inputs. */
export interface TunnelPlan {
  /** `ip` writes, in order (one batch). */
  ip: string[][];
  /** Flood entries to remove (not asked for, or someone else's overrides). */
  removeFlood: FloodEntry[];
  /** Flood entries to add. */
  addFlood: FloodEntry[];
  /** The bridge's MTU before it is lowered to the tunnel's; undefined when it is not lowered. */
  lowerBridgeFrom?: number;
}

/**
 * The changes from `cur` to `want`: the tunnel's MTU, the bridge's MTU lowered to it when higher (before the tunnel
 * joins, so no frame is too big in between), enslave, up or down; then flood entries. `bridgeMtu` is the bridge's MTU
 * now. Pure.
 */
export function planTunnel(cur: CurrentTunnel, want: DesiredTunnel, bridgeMtu: number): TunnelPlan {
  const ip: string[][] = [];
  const dev = ["link", "set", "dev", want.name];
  if (cur.mtu !== want.mtu) ip.push([...dev, "mtu", String(want.mtu)]);
  const lower = bridgeMtu > want.mtu;
  if (lower) ip.push(["link", "set", "dev", want.bridge, "mtu", String(want.mtu)]);
  if (cur.bridge !== want.bridge) ip.push(masterArgs(want.name, want.bridge));
  if (cur.up !== want.up) ip.push([...dev, want.up ? "up" : "down"]);

  const wanted = new Set(want.remotes);
  const removeFlood = cur.flood.filter((e) => !isPlainFloodEntry(e) || !wanted.has(e.dst));
  const have = new Set(cur.flood.filter(isPlainFloodEntry).map((e) => e.dst));
  const addFlood = want.remotes.filter((r) => !have.has(r)).map((dst) => ({ dst }));
  const plan: TunnelPlan = { ip, removeFlood, addFlood };
  if (lower) plan.lowerBridgeFrom = bridgeMtu;
  return plan;
}

/** True when nothing is left to do. Pure. */
export function isEmptyPlan(p: TunnelPlan): boolean {
  return p.ip.length === 0 && p.removeFlood.length === 0 && p.addFlood.length === 0;
}

/** The plan as a person reads it, e.g. `ip link set dev vx0 up, bridge fdb append … dst 10.0.0.2`. Pure. */
export function describePlan(p: TunnelPlan, dev: string): string {
  return [
    ...p.ip.map((a) => `ip ${a.join(" ")}`),
    ...p.removeFlood.map((e) => `remove flood entry ${e.dst}${isPlainFloodEntry(e) ? "" : " (with its own port/VNI/via)"} of ${dev}`),
    ...p.addFlood.map((e) => `add flood entry ${e.dst} to ${dev}`),
  ].join(", ");
}
