import * as pulumi from "@pulumi/pulumi";
import { formatIpv4Network, ipv4NetworkOf, numberToIpv4, ipv4ToNumber } from "../provider/host/ip/ipv4";
import { Bridge } from "./bridge";
import { BridgeAcl } from "./bridge-acl";
import { DhcpServer, type DhcpLease, type DhcpServerArgs } from "./dhcp-server";
import type { HostArgs } from "./host";
import { NetworkNat, type NetworkNatArgs } from "./network-nat";

/** DHCP on a {@link NatNetwork}: the {@link DhcpServer} arguments it does not fill in itself. */
export interface NatNetworkDhcpArgs {
  /** Addresses handed out. Default: from the address after the bridge's to the last before broadcast (libvirt's .2–.254). */
  range?: DhcpServerArgs["range"];
  /** Fixed MAC → IP (and hostname) assignments, applied live when changed. */
  staticLeases?: DhcpServerArgs["staticLeases"];
  /** Lease time (see {@link DhcpServerArgs}). */
  leaseTime?: DhcpServerArgs["leaseTime"];
  /** DNS domain guests' names resolve in (e.g. "lab"). */
  dnsDomain?: DhcpServerArgs["dnsDomain"];
}

/** NAT on a {@link NatNetwork}: the {@link NetworkNat} arguments it does not fill in itself. */
export interface NatNetworkNatArgs {
  /** Masquerade only traffic leaving through this interface (default: any). */
  outInterface?: NetworkNatArgs["outInterface"];
  /** Host ports forwarded to guests on the network (DNAT). */
  forwards?: NetworkNatArgs["forwards"];
}

/** Arguments of a {@link NatNetwork}. */
export interface NatNetworkArgs {
  /** The bridge's name (default: the resource name plus a random suffix). */
  bridgeName?: pulumi.Input<string>;
  /** The bridge's address and the network's size, e.g. "192.168.122.1/24" (libvirt's default network). */
  address: pulumi.Input<string>;
  /** DHCP and DNS (dnsmasq) on the bridge; default on, `false` for none. */
  dhcp?: NatNetworkDhcpArgs | false;
  /** Masquerade to the outside and DNAT forwards (nftables); default on, `false` for an isolated network. */
  nat?: NatNetworkNatArgs | false;
  /** Allow the bridge in qemu-bridge-helper's bridge.conf (default true). */
  acl?: boolean;
  /** Where the network lives. */
  host?: HostArgs;
}

/** The default DHCP range of a network whose bridge has `address`: every host address after the bridge's. */
export function defaultDhcpRange(address: string): { start: string; end: string } {
  const net = ipv4NetworkOf(address);
  if ("error" in net) throw new Error(`NatNetwork address ${JSON.stringify(address)}: ${net.error}`);
  const own = ipv4ToNumber(address.split("/")[0]!)!;
  if (own + 1 > net.last - 1) throw new Error(`NatNetwork address ${address}: no room for a DHCP range after the bridge's address; give dhcp.range`);
  return { start: numberToIpv4(own + 1), end: numberToIpv4(net.last - 1) };
}

/** The network (`192.168.122.0/24`) of a bridge address (`192.168.122.1/24`). */
export function networkOfAddress(address: string): string {
  const net = ipv4NetworkOf(address);
  if ("error" in net) throw new Error(`NatNetwork address ${JSON.stringify(address)}: ${net.error}`);
  return formatIpv4Network(net);
}

/**
 * `virsh net-start default` in one resource: a {@link Bridge} with the given address, its {@link BridgeAcl}, a
 * {@link DhcpServer} (dnsmasq: leases, static leases, guests' names in DNS) and a {@link NetworkNat} (masquerade to
 * the outside, DNAT forwards to guests), as children. Put VMs on it with `{ type: "bridge", bridge: net.bridgeName }`.
 */
export class NatNetwork extends pulumi.ComponentResource {
  /** The bridge's name. */
  readonly bridgeName: pulumi.Output<string>;
  /** The DHCP leases dnsmasq has handed out (empty without DHCP). */
  readonly leases: pulumi.Output<DhcpLease[]>;
  readonly bridge: Bridge;
  readonly acl?: BridgeAcl;
  readonly dhcp?: DhcpServer;
  readonly nat?: NetworkNat;

  constructor(name: string, args: NatNetworkArgs, opts?: pulumi.ComponentResourceOptions) {
    super("qemu-lab:index:NatNetwork", name, {}, opts);
    const child = { parent: this };
    const address = pulumi.output(args.address);
    const network = address.apply(networkOfAddress); // fails the program early with the address named
    this.bridge = new Bridge(name, { name: args.bridgeName, addresses: [address], host: args.host }, child);
    this.bridgeName = this.bridge.name;
    if (args.acl !== false) this.acl = new BridgeAcl(`${name}-acl`, { bridge: this.bridge.name, host: args.host }, child);
    if (args.dhcp !== false) {
      const d = args.dhcp ?? {};
      this.dhcp = new DhcpServer(
        `${name}-dhcp`,
        {
          bridge: this.bridge.name,
          network,
          range: d.range ?? address.apply(defaultDhcpRange),
          router: address.apply((a) => a.split("/")[0]!),
          staticLeases: d.staticLeases,
          leaseTime: d.leaseTime,
          dnsDomain: d.dnsDomain,
          host: args.host,
        },
        child,
      );
    }
    if (args.nat !== false) {
      const n = args.nat ?? {};
      this.nat = new NetworkNat(`${name}-nat`, { sourceCidr: network, outInterface: n.outInterface, forwards: n.forwards, host: args.host }, child);
    }
    this.leases = this.dhcp ? this.dhcp.leases : pulumi.output([]);
    this.registerOutputs({ bridgeName: this.bridgeName, leases: this.leases });
  }
}
