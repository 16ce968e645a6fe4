import * as pulumi from "@pulumi/pulumi";
import type { HostArgs } from "./host";
import { VxlanTunnel, type VxlanTunnelArgs } from "./vxlan-tunnel";

/** One host of a {@link VxlanMesh}: its bridge and its underlay address. */
export interface VxlanMeshMember {
  /** This member's key, unique in the mesh: its tunnel is the child resource `<mesh>-<name>`. */
  name: string;
  /** Where this member's tunnel lives (the machine, over SSH when remote, and the namespace). */
  host: HostArgs;
  /** The bridge the tunnel joins there (e.g. a Bridge's `name` output). */
  bridge: VxlanTunnelArgs["bridge"];
  /** This member's underlay IPv4 address: its tunnel's `localAddress`, and a remote of every other member. */
  localAddress: VxlanTunnelArgs["localAddress"];
  /** The tunnel's device name (default: the child resource's name plus a random suffix). */
  deviceName?: VxlanTunnelArgs["name"];
}

/** Arguments of a {@link VxlanMesh}. */
export interface VxlanMeshArgs {
  /** VXLAN Network Identifier of the segment, 1–16777215. */
  vni: VxlanTunnelArgs["vni"];
  /** UDP port of every tunnel (default 4789). */
  port?: VxlanTunnelArgs["port"];
  /** MTU of every tunnel (default: each underlay's MTU minus 50). */
  mtu?: VxlanTunnelArgs["mtu"];
  /** The hosts joined; each member's `name` is unique. */
  members: VxlanMeshMember[];
}

/** Refuse members without a name or with a name already used: each names a child resource. Pure. */
export function checkMembers(mesh: string, members: readonly VxlanMeshMember[]): void {
  const seen = new Map<string, number>();
  members.forEach((m, i) => {
    if (typeof m.name !== "string" || m.name === "") throw new Error(`VxlanMesh "${mesh}": members[${i}].name must be a non-empty string (it names the member's tunnel)`);
    const first = seen.get(m.name);
    if (first !== undefined) throw new Error(`VxlanMesh "${mesh}": members[${i}].name "${m.name}" duplicates members[${first}]: each member's name must be unique`);
    seen.set(m.name, i);
  });
}

/**
 * One L2 segment across hosts: a {@link VxlanTunnel} per member, on the member's host and bridge, flooding to every
 * other member's `localAddress` (a full mesh). Adding or removing a member changes the others' remotes live.
 */
export class VxlanMesh extends pulumi.ComponentResource {
  /** Each member's tunnel, by member name. */
  readonly tunnels: Readonly<Record<string, VxlanTunnel>>;

  constructor(name: string, args: VxlanMeshArgs, opts?: pulumi.ComponentResourceOptions) {
    checkMembers(name, args.members); // before anything is declared
    super("qemu-lab:index:VxlanMesh", name, {}, opts);
    const tunnels: Record<string, VxlanTunnel> = {};
    for (const m of args.members) {
      const remotes = args.members.filter((o) => o !== m).map((o) => o.localAddress);
      tunnels[m.name] = new VxlanTunnel(
        `${name}-${m.name}`,
        { name: m.deviceName, vni: args.vni, port: args.port, mtu: args.mtu, localAddress: m.localAddress, remotes, bridge: m.bridge, host: m.host },
        { parent: this },
      );
    }
    this.tunnels = tunnels;
    this.registerOutputs({ tunnels: Object.fromEntries(Object.entries(tunnels).map(([k, t]) => [k, t.name])) });
  }
}
