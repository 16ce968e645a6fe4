import * as pulumi from "@pulumi/pulumi";
import { formatIpv4Network, ipv4NetworkOf, numberToIpv4, ipv4ToNumber, type Ipv4Network } from "../provider/host/ip/ipv4";
import { Bridge } from "./bridge";
import { BridgeAcl } from "./bridge-acl";
import { DhcpServer, type DhcpLease, type DhcpServerArgs } from "./dhcp-server";
import type { HostArgs } from "./host";
import { NetworkNat, type NetworkNatArgs } from "./network-nat";

/** DHCP on a {@link NatNetwork}: the {@link DhcpServer} arguments it does not fill in itself. */
export interface NatNetworkDhcpArgs {
  /**
   * Addresses handed out. Default: the larger run of host addresses on either side of the bridge's address (after it
   * when they are equal): libvirt's .2–.254 for a bridge on .1.
   */
  range?: DhcpServerArgs["range"];
  /** Fixed MAC → IP (and hostname) assignments, applied live when changed. */
  staticLeases?: DhcpServerArgs["staticLeases"];
  /** Lease time (see {@link DhcpServerArgs}). */
  leaseTime?: DhcpServerArgs["leaseTime"];
  /** DNS domain guests' names resolve in (e.g. "lab"). */
  dnsDomain?: DhcpServerArgs["dnsDomain"];
  /**
   * DNS servers (IPv4) guests' other queries are forwarded to, e.g. `["1.1.1.1"]`. Default none: guests resolve only
   * local names (each other's and static leases' names), nothing on the internet.
   */
  upstreamDns?: DhcpServerArgs["upstreamDns"];
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
  /**
   * The bridge's address and the network's size, e.g. "192.168.122.1/24" (libvirt's default network): a host address
   * (not the network's or broadcast address), and with DHCP a prefix of at most 30 (a /31 or /32 leaves no range).
   */
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

/**
 * The bridge's address and its network, or an error naming `address`: not a CIDR, the network's own or broadcast
 * address (no host may have it), or with `dhcp` a prefix over 30 (no address left for a range). Pure.
 */
function bridgeAddress(address: string, dhcp: boolean): { own: number; net: Ipv4Network } {
  const fail = (why: string) => new Error(`NatNetwork address ${JSON.stringify(address)}: ${why}`);
  const net = ipv4NetworkOf(address);
  if ("error" in net) throw fail(net.error);
  const own = ipv4ToNumber(address.split("/")[0]!)!;
  const cidr = formatIpv4Network(net);
  if (net.prefix >= 31 && dhcp)
    throw fail(`a /${net.prefix} network has no address for a DHCP range besides the bridge's; use a prefix of 30 or less (e.g. /24), or dhcp: false`);
  if (net.prefix <= 30 && own === net.first) throw fail(`is the network address of ${cidr}, which no host may have; give the bridge a host address, e.g. ${numberToIpv4(net.first + 1)}/${net.prefix}`);
  if (net.prefix <= 30 && own === net.last) throw fail(`is the broadcast address of ${cidr}, which no host may have; give the bridge a host address, e.g. ${numberToIpv4(net.first + 1)}/${net.prefix}`);
  return { own, net };
}

/**
 * The default DHCP range of a network whose bridge has `address`: the larger run of host addresses on either side of
 * the bridge's (the one after it when equal), so a bridge on .1 gives libvirt's .2–.254. Pure.
 */
export function defaultDhcpRange(address: string): { start: string; end: string } {
  const { own, net } = bridgeAddress(address, true);
  const below = { start: net.first + 1, end: own - 1 };
  const above = { start: own + 1, end: net.last - 1 };
  const side = above.end - above.start >= below.end - below.start ? above : below;
  return { start: numberToIpv4(side.start), end: numberToIpv4(side.end) };
}

/** The network (`192.168.122.0/24`) of a bridge address (`192.168.122.1/24`), checked as the bridge's address. Pure. */
export function networkOfAddress(address: string, dhcp = true): string {
  return formatIpv4Network(bridgeAddress(address, dhcp).net);
}

/**
 * `virsh net-start default` in one resource: a {@link Bridge} with the given address, its {@link BridgeAcl}, a
 * {@link DhcpServer} (dnsmasq: leases, static leases, guests' names in DNS) and a {@link NetworkNat} (masquerade to
 * the outside, DNAT forwards to guests), as children. Put VMs on it with `{ type: "bridge", bridge: net.bridgeName }`.
 */
export class NatNetwork extends pulumi.ComponentResource {
  /** The bridge's name. */
  readonly bridgeName: pulumi.Output<string>;
  /** The network, e.g. "192.168.122.0/24" for address "192.168.122.1/24" (fails the program when `address` is refused). */
  readonly network: pulumi.Output<string>;
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
    const network = address.apply((a) => networkOfAddress(a, args.dhcp !== false)); // fails the program early with the address named
    this.network = network;
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
          upstreamDns: d.upstreamDns,
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
