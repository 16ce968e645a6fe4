/**
 * The no-op provider baseline: the same registrations as bench/programs/network-lab (a namespace and, per bridge, a
 * bridge, an ACL line, a veth pair and a port attachment, with the same input values) as dynamic resources whose
 * provider does nothing. The dynamic-provider process serving it shows what @pulumi/pulumi's provider host costs
 * without any of this package's code. Config: `n`, `netns`.
 */
import * as pulumi from "@pulumi/pulumi";

/** Create returns the inputs as outputs and a fixed id; every other method is the runtime's default. */
const noop: pulumi.dynamic.ResourceProvider = {
  create: async (inputs: Record<string, unknown>) => ({ id: "noop", outs: inputs }),
};

class NoOp extends pulumi.dynamic.Resource {
  declare readonly name: pulumi.Output<string>;
  constructor(name: string, props: Record<string, pulumi.Input<unknown>>) {
    super(noop, name, props, {});
  }
}

const config = new pulumi.Config();
const n = config.requireNumber("n");
const ns = new NoOp("lab", { name: config.require("netns") });
const host = { netns: ns.name };

const bridges: pulumi.Output<string>[] = [];
for (let i = 0; i < n; i++) {
  const br = new NoOp(`br${i}`, { name: `qlbr${i}`, addresses: [`10.${(i >> 8) & 255}.${i & 255}.1/24`], host });
  new NoOp(`acl${i}`, { bridge: br.name, host });
  const veth = new NoOp(`veth${i}`, { name: `qlv${i}`, peerName: `qlp${i}`, host });
  new NoOp(`port${i}`, { bridge: br.name, port: veth.name, host });
  bridges.push(br.name);
}

export const namespace = ns.name;
export const bridgeCount = pulumi.all(bridges).apply((b) => b.length);
