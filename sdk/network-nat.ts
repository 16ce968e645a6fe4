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
 * `sourceCidr` to the outside (as libvirt's NAT network does it: local multicast and broadcast exempt, TCP/UDP source
 * ports kept in 1024–65535) and host ports forwarded to guests (DNAT), as one nftables table of its own
 * (`ip qemu_lab_nat_<name>`) in the namespace, with `net.ipv4.ip_forward` turned on there. Forwards apply to
 * connections arriving on any interface, to those the host itself opens (not to 127.0.0.0/8), and to guests reaching
 * a guest through the host's port (hairpin NAT). A rule removed or changed by hand, a set added to the table or the
 * table made dormant shows as drift on refresh and is undone by the next `up`; delete removes only that table (and
 * refuses one another owner made under the same name). The last NetworkNat of a namespace to go turns ip_forward off
 * again when a NetworkNat turned it on. No filter rules are added: a `forward` chain with policy drop elsewhere still
 * drops the traffic.
 */
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
export class NetworkNat extends pulumi.dynamic.Resource {
  constructor(name: string, args: NetworkNatArgs, opts?: pulumi.CustomResourceOptions) {
    super(providerShim("NetworkNat"), name, resourceProps(name, args, STATE_KEYS), opts, TYPE_MODULE, "NetworkNat");
  }
}
