import * as pulumi from "@pulumi/pulumi";
import type { dhcpServerInputsSchema, DhcpServerState } from "../provider/resources/dhcp-server/schema";
import type { OutputsOf, SchemaArgs, StateKeys } from "./resource-types";
import { providerShim, resourceProps, TYPE_MODULE } from "./shim";

/**
 * Arguments of a {@link DhcpServer}, derived from the provider's input schema (each property documented there).
 * @interface
 */
export type DhcpServerArgs = SchemaArgs<typeof dhcpServerInputsSchema, "name">;

/** A lease dnsmasq handed out, as read from its lease file. */
export type { DhcpLease } from "../provider/host/dnsmasq/lease-file";

const STATE_KEYS: StateKeys<DhcpServerState> = {
  name: undefined, bridge: undefined, network: undefined, range: undefined, leaseTime: undefined, router: undefined, dnsDomain: undefined,
  staticLeases: undefined, upstreamDns: undefined, host: undefined, leases: undefined, pid: undefined, leaseFile: undefined, status: undefined,
};

// Why the merge: the outputs are declared once, as the provider's state type, and appear on the class from it.
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging, @typescript-eslint/no-empty-object-type
export interface DhcpServer extends OutputsOf<DhcpServerState> {}

/**
 * DHCP and DNS for one bridge: a dnsmasq bound to that bridge only (never the host's other interfaces, never
 * /etc/resolv.conf or /etc/hosts), handing out `range` and `staticLeases` and resolving its clients' names. Static
 * leases change live; `leases` shows what it handed out. Other names resolve only through `upstreamDns`. Its files live
 * in `<host.stateDir>/dhcp/<name>/`.
 */
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
export class DhcpServer extends pulumi.dynamic.Resource {
  constructor(name: string, args: DhcpServerArgs, opts?: pulumi.CustomResourceOptions) {
    super(providerShim("DhcpServer"), name, resourceProps(name, args, STATE_KEYS), opts, TYPE_MODULE, "DhcpServer");
  }
}
