import * as pulumi from "@pulumi/pulumi";
import type { vxlanTunnelInputsSchema, VxlanTunnelState } from "../provider/resources/vxlan-tunnel/schema";
import type { OutputsOf, SchemaArgs, StateKeys } from "./resource-types";
import { providerShim, resourceProps, TYPE_MODULE } from "./shim";

/**
 * Arguments of a {@link VxlanTunnel}, derived from the provider's input schema (each property documented there).
 * @interface
 */
export type VxlanTunnelArgs = SchemaArgs<typeof vxlanTunnelInputsSchema, "name">;

const STATE_KEYS: StateKeys<VxlanTunnelState> = {
  name: undefined, vni: undefined, localAddress: undefined, remotes: undefined, bridge: undefined, port: undefined, mtu: undefined, up: undefined, adopt: undefined, host: undefined, underlay: undefined, macAddress: undefined, ifindex: undefined, warnings: undefined, created: undefined
};

// Why the merge: the outputs are declared once, as the provider's state type, and appear on the class from it.
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging, @typescript-eslint/no-empty-object-type
export interface VxlanTunnel extends OutputsOf<VxlanTunnelState> {}

/**
 * One host's end of a VXLAN segment: a `vxlan` device (`ip link add NAME type vxlan id VNI local LOCAL dstport PORT
 * nolearning`) flooding to each remote (`bridge fdb append 00:00:00:00:00:00 dev NAME dst REMOTE`), enslaved to a
 * bridge, so the bridges of several hosts form one L2 segment. Remotes change live. See {@link VxlanMesh} for a
 * tunnel per host wired to the others.
 */
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
export class VxlanTunnel extends pulumi.dynamic.Resource {
  constructor(name: string, args: VxlanTunnelArgs, opts?: pulumi.CustomResourceOptions) {
    super(providerShim("VxlanTunnel"), name, resourceProps(name, args, STATE_KEYS), opts, TYPE_MODULE, "VxlanTunnel");
  }
}
