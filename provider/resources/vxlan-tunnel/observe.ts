import { isUp, type IpLink } from "../../host/ip/ip-json";
import { ipv4ToNumber } from "../../host/ip/ipv4";
import { describeFloodEntry, type FloodEntry } from "../../host/ip/vxlan-argv";
import { floodEntriesOf, type FdbEntry } from "../../host/ip/vxlan-fdb";
import { vxlanInfoOf } from "../../host/ip/vxlan-link";

/** A VXLAN device as the kernel reports it: link, VXLAN settings and flood entries. */
export interface ObservedTunnel {
  name: string;
  ifindex: number;
  macAddress: string;
  vni: number;
  /** "" when the device has no local address. */
  localAddress: string;
  port: number;
  learning: boolean;
  mtu: number;
  up: boolean;
  /** "" when not enslaved. */
  bridge: string;
  /** Every flood entry as the `remotes` output shows it, in address order. */
  remotes: string[];
  /** The flood entries themselves. */
  flood: FloodEntry[];
}

/** Address order: IPv4 numerically, anything else after, as text. Pure. */
export function compareRemotes(a: string, b: string): number {
  const na = ipv4ToNumber(a.split(" ")[0]!);
  const nb = ipv4ToNumber(b.split(" ")[0]!);
  if (na !== undefined && nb !== undefined && na !== nb) return na - nb;
  if ((na === undefined) !== (nb === undefined)) return na === undefined ? 1 : -1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The tunnel `link` is with the flood entries of `fdb`, or undefined when `link` is not a VXLAN device. Pure. */
export function observeTunnel(link: IpLink, fdb: readonly FdbEntry[]): ObservedTunnel | undefined {
  const info = vxlanInfoOf(link);
  if (!info) return undefined;
  const flood = floodEntriesOf(fdb);
  return {
    name: link.ifname,
    ifindex: link.ifindex,
    macAddress: link.address ?? "",
    vni: info.vni,
    localAddress: info.local ?? "",
    port: info.port,
    learning: info.learning,
    mtu: link.mtu,
    up: isUp(link),
    bridge: link.master ?? "",
    remotes: flood.map(describeFloodEntry).sort(compareRemotes),
    flood,
  };
}

/**
 * Why an existing device cannot be this tunnel (another VNI, local address, port, or learning on), or undefined when
 * it matches exactly. Pure.
 */
export function identityMismatch(obs: Pick<ObservedTunnel, "vni" | "localAddress" | "port" | "learning">, want: { vni: number; localAddress: string; port: number }): string | undefined {
  const diffs: string[] = [];
  if (obs.vni !== want.vni) diffs.push(`VNI ${obs.vni} (asked ${want.vni})`);
  if (obs.localAddress !== want.localAddress) diffs.push(`local ${obs.localAddress || "(none)"} (asked ${want.localAddress})`);
  if (obs.port !== want.port) diffs.push(`port ${obs.port} (asked ${want.port})`);
  if (obs.learning) diffs.push("learning on (asked off)");
  return diffs.length > 0 ? diffs.join(", ") : undefined;
}
