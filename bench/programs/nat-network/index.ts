/**
 * The benchmark's NAT network: in one namespace, one NatNetwork at 192.168.122.1/24 (bridge, bridge.conf line,
 * dnsmasq, nftables NAT) with `leases` static leases (vm<i> at .10+i) and one TCP forward per lease (host port
 * 20000+i → .10+i:22), so both the hosts file and the NAT table grow with N. No VMs. Config: `netns`, `leases`
 * (default 20), `stateDir` (where dnsmasq's files go). Names match bench/baselines/nat-shell.ts.
 */
import * as pulumi from "@pulumi/pulumi";
import { NatNetwork, NetworkNamespace } from "pulumi-qemu-lab";

const config = new pulumi.Config();
const leases = config.getNumber("leases") ?? 20;
const ns = new NetworkNamespace("lab", { name: config.require("netns") });
const host = { netns: ns.name, stateDir: config.get("stateDir") };

const hex = (b: number) => b.toString(16).padStart(2, "0");
const lease = (i: number) => ({ mac: `52:54:00:00:${hex(i >> 8)}:${hex(i & 255)}`, ip: `192.168.122.${10 + i}`, hostname: `vm${i}` });
const all = Array.from({ length: leases }, (_, i) => lease(i));

const net = new NatNetwork("nat", {
  bridgeName: "qlnat0",
  address: "192.168.122.1/24",
  dhcp: { staticLeases: all, dnsDomain: "lab" },
  nat: { forwards: all.map((l, i) => ({ protocol: "tcp" as const, hostPort: 20000 + i, toAddress: l.ip, toPort: 22 })) },
  host,
});

export const namespace = ns.name;
export const bridgeName = net.bridgeName;
