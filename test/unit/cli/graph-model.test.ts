/**
 * The graph's rules on small states: which type tokens are lab resources, placeholders for what the stack references
 * but does not manage, NAT without a bridge of its network, `allow all`, pending deletes, empty namespaces.
 */
import type { ResourceState, StackState } from "../../../driver/types";
import { buildLabGraph, renderGraph } from "../../../cli/graph";
import { kindOfType } from "../../../cli/graph/build";

const dyn = (kind: string) => `pulumi-nodejs:dynamic/qemu-lab:${kind}`;

function r(kind: string, name: string, outputs: Record<string, unknown>, extra: Partial<ResourceState> = {}): ResourceState {
  return { urn: `urn:pulumi:dev::p::${dyn(kind)}::${name}`, type: dyn(kind), custom: true, id: name, inputs: {}, outputs, dependencies: [], propertyDependencies: {}, ...extra };
}

const state = (...resources: ResourceState[]): StackState => ({ version: 1, project: "p", stack: "dev", resources });

/** `[id, label, external]` of every node, `[kind, source, target, label]` of every edge. */
const summary = (s: StackState) => {
  const g = buildLabGraph(s);
  return {
    nodes: g.nodes.map((n) => [n.id, n.label.join(" | "), n.external ?? false]),
    edges: g.edges.map((e) => [e.kind, e.source, e.target, e.label ?? null]),
  };
};

test.each([
  ["pulumi-nodejs:dynamic/qemu-lab:Bridge", "Bridge"],
  ["pulumi-nodejs:dynamic/qemu-lab:NetworkNat", "NetworkNat"],
  ["qemu-lab:index:NatNetwork", "NatNetwork"],
  ["pulumi-nodejs:dynamic/qemu-lab:NatNetwork", undefined], // the component is never a dynamic resource
  ["pulumi-nodejs:dynamic/qemu-lab:Unknown", undefined],
  ["pulumi-nodejs:dynamic/other:Bridge", undefined],
  ["pulumi:pulumi:Stack", undefined],
  ["pulumi:providers:pulumi-nodejs", undefined],
  ["my:index:LabComponent", undefined],
])("kindOfType(%s) = %s", (type, kind) => {
  expect(kindOfType(type)).toBe(kind);
});

test.each<[string, StackState, ReturnType<typeof summary>]>([
  ["an empty state", state(), { nodes: [], edges: [] }],
  [
    "resources that are not lab kinds",
    state(
      { urn: "urn:pulumi:dev::p::pulumi:pulumi:Stack::p-dev", type: "pulumi:pulumi:Stack", custom: false, inputs: {}, outputs: {}, dependencies: [], propertyDependencies: {} },
      { urn: "urn:pulumi:dev::p::my:index:Lab::x", type: "my:index:Lab", custom: false, inputs: {}, outputs: { name: "x" }, dependencies: [], propertyDependencies: {} },
    ),
    { nodes: [], edges: [] },
  ],
  [
    "a PortForward to a VM the stack does not have, in a namespace made elsewhere",
    state(r("PortForward", "pf", { vm: "old-vm", netdev: "net0", protocol: "udp", hostAddress: "0.0.0.0", hostPort: 5353, guestPort: 53, active: false, host: { netns: "ext" } })),
    {
      nodes: [
        ["netns:ext", "netns ext", true],
        ["vm:ext/old-vm", "vm old-vm", true],
        ["nic:ext/old-vm/net0", "nic net0", true],
        ["forward:ext/old-vm/net0/udp/0.0.0.0:5353", "udp 0.0.0.0:5353 → guest:53 | inactive", false],
      ],
      edges: [
        ["forward", "forward:ext/old-vm/net0/udp/0.0.0.0:5353", "nic:ext/old-vm/net0", null],
        ["nic", "vm:ext/old-vm", "nic:ext/old-vm/net0", null],
      ],
    },
  ],
  [
    "NAT of a network no bridge of the stack has, out of an uplink it does not manage",
    state(r("NetworkNat", "nat", { name: "n1", sourceCidr: "10.9.0.0/16", outInterface: "eth0", forwards: [{ protocol: "tcp", hostAddress: "192.0.2.1", hostPort: 80, toAddress: "10.9.0.5", toPort: 8080 }] })),
    {
      nodes: [
        ["network:/10.9.0.0/16", "network 10.9.0.0/16", false],
        ["nat:/n1", "nat n1 | masquerade 10.9.0.0/16 | out eth0", false],
        ["port:/eth0", "interface eth0", true],
        ["forward:/nat:n1/tcp/192.0.2.1:80", "tcp 192.0.2.1:80 → 10.9.0.5:8080", false],
      ],
      edges: [
        ["forward", "nat:/n1", "forward:/nat:n1/tcp/192.0.2.1:80", null],
        ["masquerade", "nat:/n1", "network:/10.9.0.0/16", "10.9.0.0/16"],
        ["out", "nat:/n1", "port:/eth0", "out"],
      ],
    },
  ],
  [
    "an ACL for every bridge, and one for a bridge the stack does not manage",
    state(r("BridgeAcl", "all", { name: "a1", bridge: "all", action: "deny", warnings: ["allow all"] }), r("BridgeAcl", "one", { name: "a2", bridge: "virbr0", action: "allow", warnings: [] })),
    {
      nodes: [
        ["bridge:/virbr0", "bridge virbr0", true],
        ["acl:/a1", "acl deny all | 1 warning", false],
        ["acl:/a2", "acl allow virbr0", false],
      ],
      edges: [["acl", "acl:/a2", "bridge:/virbr0", null]],
    },
  ],
  [
    "a port whose addresses moved to the bridge, and a bridge that is down",
    state(
      r("Bridge", "br", { name: "br0", addresses: ["192.0.2.10/24"], up: false }),
      r("PhysicalPortAttachment", "p", { bridge: "br0", port: "eno1", portMacAddress: "3c:00:00:00:00:01", movedAddresses: ["192.0.2.10/24"] }),
    ),
    {
      nodes: [
        ["bridge:/br0", "bridge br0 | 192.0.2.10/24 | down", false],
        ["port:/eno1", "port eno1 | 3c:00:00:00:00:01", false],
      ],
      edges: [["port", "port:/eno1", "bridge:/br0", "moved 192.0.2.10/24"]],
    },
  ],
  [
    "the old half of a replacement: the live resource keeps the node; another name is marked",
    state(
      r("Bridge", "old", { name: "br0", addresses: ["10.0.0.1/24"] }, { delete: true }),
      r("Bridge", "new", { name: "br0", addresses: ["10.0.0.2/24"] }),
      r("Bridge", "older", { name: "br1" }, { delete: true }),
    ),
    {
      nodes: [
        ["bridge:/br0", "bridge br0 | 10.0.0.2/24", false],
        ["bridge:/br1", "bridge br1 | (pending delete)", false],
      ],
      edges: [],
    },
  ],
  [
    "a value of the wrong type in a hand-edited state",
    state(r("QemuVm", "vm", { name: 42, nics: "oops", cpus: "two", host: "nowhere" })),
    { nodes: [["vm:/42", "vm 42 | two vCPU", false]], edges: [] },
  ],
])("%s", (_what, s, expected) => {
  expect(summary(s)).toEqual(expected);
});

test("outputs over inputs, inputs where an output is missing", () => {
  const s = state(r("Bridge", "br", { name: "br0" }, { inputs: { name: "br0", addresses: ["10.0.0.1/24"] }, outputs: { name: "br0", addresses: null } }));
  expect(buildLabGraph(s).nodes[0]!.label).toEqual(["bridge br0", "10.0.0.1/24"]);
});

test("an empty namespace: a Mermaid subgraph, and a DOT cluster kept by an invisible point", () => {
  const s = state(r("NetworkNamespace", "ns", { name: "empty" }));
  expect(renderGraph(s, "mermaid")).toBe(['flowchart LR', '  subgraph n0["netns empty"]', "  end", "  classDef namespace fill:#f5f5f5,stroke:#9e9e9e", "  class n0 namespace", ""].join("\n"));
  expect(renderGraph(s, "dot")).toContain('  subgraph cluster_n0 {\n    graph [label="netns empty", style="rounded,dashed", color=gray50];\n    n0_empty [shape=point, style=invis];\n  }\n');
});

test("an empty state renders in every format", () => {
  expect(renderGraph(state(), "mermaid")).toBe("flowchart LR\n");
  expect(renderGraph(state(), "dot")).toMatch(/^digraph qemu_lab \{\n(.*\n){3}\}\n$/);
  expect(renderGraph(state(), "html")).toContain('"nodes":[],"edges":[]');
});

test("an unknown format is refused, naming the formats", () => {
  expect(() => renderGraph(state(), "svg" as never)).toThrow('unknown graph format "svg": use mermaid, dot, html');
});
