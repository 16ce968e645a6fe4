import * as pulumi from "@pulumi/pulumi";
import type { networkNatInputsSchema, NetworkNatState } from "../provider/resources/network-nat/schema";
import type { OutputsOf, SchemaArgs, StateKeys } from "./resource-types";
import { providerShim, resourceProps, TYPE_MODULE } from "./shim";

/**
 * Arguments of a {@link NetworkNat}, derived from the provider's input schema (each property documented there).
 * @interface
 */
export type NetworkNatArgs = SchemaArgs<typeof networkNatInputsSchema, "name">;

const STATE_KEYS: StateKeys<NetworkNatState> = {
  name: undefined, sourceCidr: undefined, outInterface: undefined, forwards: undefined, host: undefined, table: undefined,
  ruleset: undefined, ipForward: undefined, ipForwardChanged: undefined,
};

// Why the merge: the outputs are declared once, as the provider's state type, and appear on the class from it.
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging, @typescript-eslint/no-empty-object-type
export interface NetworkNat extends OutputsOf<NetworkNatState> {}

/**
 * NAT for a guest network, the part libvirt and Proxmox leave to hand-written firewall rules: masquerade of
 * `sourceCidr` to the outside and host ports forwarded to guests (DNAT), as one nftables table of its own
 * (`ip qemu_lab_nat_<name>`) in the namespace, with `net.ipv4.ip_forward` turned on there. Forwards apply to
 * connections arriving on any interface and to those the host itself opens (not to 127.0.0.0/8). A rule removed by
 * hand shows as drift on refresh and is put back by the next `up`; delete removes only that table, and turns
 * ip_forward off again only if this NAT turned it on and no other NetworkNat remains in the namespace. No filter
 * rules are added: a `forward` chain with policy drop elsewhere still drops the traffic.
 */
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
export class NetworkNat extends pulumi.dynamic.Resource {
  constructor(name: string, args: NetworkNatArgs, opts?: pulumi.CustomResourceOptions) {
    super(providerShim("NetworkNat"), name, resourceProps(name, args, STATE_KEYS), opts, TYPE_MODULE, "NetworkNat");
  }
}
