/**
 * The benchmark's network lab: in one namespace, N bridges, each with an address, an `allow` line in the
 * namespace's bridge.conf and a veth pair whose first end is enslaved to the bridge. Config: `n`, `netns`.
 * Names and addresses match bench/lab-spec.ts, so the shell and `ip -batch` baselines do the same work.
 */
import * as pulumi from "@pulumi/pulumi";
import { Bridge, BridgeAcl, NetworkNamespace, PhysicalPortAttachment, VethPair } from "pulumi-qemu-lab";

const config = new pulumi.Config();
const n = config.requireNumber("n");
const ns = new NetworkNamespace("lab", { name: config.require("netns") });
const host = { netns: ns.name };

const bridges: pulumi.Output<string>[] = [];
for (let i = 0; i < n; i++) {
  const br = new Bridge(`br${i}`, { name: `qlbr${i}`, addresses: [`10.${(i >> 8) & 255}.${i & 255}.1/24`], host });
  new BridgeAcl(`acl${i}`, { bridge: br.name, host });
  const veth = new VethPair(`veth${i}`, { name: `qlv${i}`, peerName: `qlp${i}`, host });
  new PhysicalPortAttachment(`port${i}`, { bridge: br.name, port: veth.name, host });
  bridges.push(br.name);
}

export const namespace = ns.name;
export const bridgeCount = pulumi.all(bridges).apply((b) => b.length);
