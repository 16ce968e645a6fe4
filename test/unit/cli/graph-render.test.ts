/**
 * renderGraph on the fixed fixture (every kind): the Mermaid and DOT text exactly, the nodes and edges the data gives
 * (outputs over inputs, placeholders for what the stack references but does not manage), and no secret anywhere.
 */
import { buildLabGraph, renderGraph, type LabGraph } from "../../../cli/graph";
import { layoutLabGraph } from "../../../cli/graph/layout";
import { FIXTURE_NODE_IDS, GRAPH_FIXTURE, SECRET_PLAINTEXTS } from "./graph-fixture";

const graph: LabGraph = buildLabGraph(GRAPH_FIXTURE);

const MERMAID = [
  "flowchart LR",
  "  subgraph n0[\"netns lab-ns\"]",
  "    subgraph n1[\"NatNetwork default\"]",
  "      n2{{\"bridge virbr-lab<br/>192.168.122.1/24\"}}",
  "      n3[[\"acl allow virbr-lab\"]]",
  "      n4[(\"dhcp default-dhcp-4c5d6<br/>range 192.168.122.2 – 192.168.122.254<br/>router 192.168.122.1<br/>192.168.122.10 ← 52:54:00:00:00:10 (web)\")]",
  "      n5[/\"nat default-nat-7e8f9<br/>masquerade 192.168.122.0/24<br/>out veth-up\"/]",
  "      n6>\"tcp *:8080 → 192.168.122.10:80\"]",
  "    end",
  "    n7{{\"bridge br-ext\"}}",
  "    n8([\"veth veth-up\"])",
  "    n9[\"vm db<br/>stopped<br/>2 vCPU · 1024 MiB\"]",
  "    n10[\"vm web<br/>running · tcg<br/>1 vCPU · 512 MiB\"]",
  "    n11([\"nic net0<br/>52:54:00:00:00:11<br/>192.168.122.50\"])",
  "    n12([\"nic net1<br/>52:54:00:00:00:12\"])",
  "    n13([\"nic net0<br/>52:54:00:00:00:10<br/>192.168.122.10\"])",
  "    n14([\"nic net1 (user)<br/>52:54:00:00:00:20<br/>10.0.2.15\"])",
  "    n15>\"tcp 127.0.0.1:2222 → 10.0.2.15:22\"]",
  "    n16>\"tcp 127.0.0.1:8081 → 10.0.2.15:80\"]",
  "  end",
  "  n17{{\"bridge br-lan<br/>10.10.0.1/24, 10.10.0.2/24\"}}",
  "  n18([\"port eno1<br/>3c:ec:ef:00:00:01\"])",
  "  n19([\"veth veth-host\"])",
  "  n3 -.- n2",
  "  n6 --> n13",
  "  n15 --> n14",
  "  n16 --> n14",
  "  n5 --> n6",
  "  n4 -.->|\"192.168.122.50\"| n11",
  "  n4 -.->|\"192.168.122.10 (static)\"| n13",
  "  n5 -->|\"192.168.122.0/24\"| n2",
  "  n11 --- n2",
  "  n12 --- n7",
  "  n13 --- n2",
  "  n9 --- n11",
  "  n9 --- n12",
  "  n10 --- n13",
  "  n10 --- n14",
  "  n5 -->|\"out\"| n8",
  "  n18 ---|\"released\"| n17",
  "  n19 --- n17",
  "  n4 -.- n2",
  "  n19 --- n8",
  "  classDef namespace fill:#f5f5f5,stroke:#9e9e9e",
  "  class n0 namespace",
  "  classDef group fill:#fffde7,stroke:#f9a825",
  "  class n1 group",
  "  classDef bridge fill:#e3f2fd,stroke:#1565c0",
  "  class n2,n7,n17 bridge",
  "  classDef port fill:#eceff1,stroke:#546e7a",
  "  class n18 port",
  "  classDef veth fill:#eceff1,stroke:#546e7a",
  "  class n8,n19 veth",
  "  classDef vm fill:#e8f5e9,stroke:#2e7d32",
  "  class n9,n10 vm",
  "  classDef nic fill:#f1f8e9,stroke:#558b2f",
  "  class n11,n12,n13,n14 nic",
  "  classDef forward fill:#fff3e0,stroke:#ef6c00",
  "  class n6,n15,n16 forward",
  "  classDef dhcp fill:#f3e5f5,stroke:#6a1b9a",
  "  class n4 dhcp",
  "  classDef nat fill:#fce4ec,stroke:#ad1457",
  "  class n5 nat",
  "  classDef acl fill:#efebe9,stroke:#5d4037",
  "  class n3 acl",
  "  classDef external stroke-dasharray:4 3",
  "  class n7 external",
].join("\n") + "\n";

const DOT = [
  "digraph qemu_lab {",
  "  graph [rankdir=LR, compound=true, fontname=\"Helvetica\", labelloc=t, label=\"qemu-lab lab/dev\"];",
  "  node [fontname=\"Helvetica\", fontsize=10];",
  "  edge [fontname=\"Helvetica\", fontsize=9];",
  "  subgraph cluster_n0 {",
  "    graph [label=\"netns lab-ns\", style=\"rounded,dashed\", color=gray50];",
  "    subgraph cluster_n1 {",
  "      graph [label=\"NatNetwork default\", style=\"rounded,filled\", fillcolor=\"#fffde7\", color=\"#f9a825\"];",
  "      n2 [label=\"bridge virbr-lab\\n192.168.122.1/24\", shape=hexagon, style=\"filled\", fillcolor=\"#e3f2fd\"];",
  "      n3 [label=\"acl allow virbr-lab\", shape=note, style=\"filled\", fillcolor=\"#efebe9\"];",
  "      n4 [label=\"dhcp default-dhcp-4c5d6\\nrange 192.168.122.2 – 192.168.122.254\\nrouter 192.168.122.1\\n192.168.122.10 ← 52:54:00:00:00:10 (web)\", shape=cylinder, style=\"filled\", fillcolor=\"#f3e5f5\"];",
  "      n5 [label=\"nat default-nat-7e8f9\\nmasquerade 192.168.122.0/24\\nout veth-up\", shape=parallelogram, style=\"filled\", fillcolor=\"#fce4ec\"];",
  "      n6 [label=\"tcp *:8080 → 192.168.122.10:80\", shape=cds, style=\"filled\", fillcolor=\"#fff3e0\"];",
  "    }",
  "    n7 [label=\"bridge br-ext\", shape=hexagon, style=\"filled,dashed\", fillcolor=\"#e3f2fd\", color=gray40];",
  "    n8 [label=\"veth veth-up\", shape=box, style=\"rounded,filled\", fillcolor=\"#eceff1\"];",
  "    n9 [label=\"vm db\\nstopped\\n2 vCPU · 1024 MiB\", shape=box3d, style=\"filled\", fillcolor=\"#e8f5e9\"];",
  "    n10 [label=\"vm web\\nrunning · tcg\\n1 vCPU · 512 MiB\", shape=box3d, style=\"filled\", fillcolor=\"#e8f5e9\"];",
  "    n11 [label=\"nic net0\\n52:54:00:00:00:11\\n192.168.122.50\", shape=box, style=\"rounded,filled\", fillcolor=\"#f1f8e9\"];",
  "    n12 [label=\"nic net1\\n52:54:00:00:00:12\", shape=box, style=\"rounded,filled\", fillcolor=\"#f1f8e9\"];",
  "    n13 [label=\"nic net0\\n52:54:00:00:00:10\\n192.168.122.10\", shape=box, style=\"rounded,filled\", fillcolor=\"#f1f8e9\"];",
  "    n14 [label=\"nic net1 (user)\\n52:54:00:00:00:20\\n10.0.2.15\", shape=box, style=\"rounded,filled\", fillcolor=\"#f1f8e9\"];",
  "    n15 [label=\"tcp 127.0.0.1:2222 → 10.0.2.15:22\", shape=cds, style=\"filled\", fillcolor=\"#fff3e0\"];",
  "    n16 [label=\"tcp 127.0.0.1:8081 → 10.0.2.15:80\", shape=cds, style=\"filled\", fillcolor=\"#fff3e0\"];",
  "  }",
  "  n17 [label=\"bridge br-lan\\n10.10.0.1/24, 10.10.0.2/24\", shape=hexagon, style=\"filled\", fillcolor=\"#e3f2fd\"];",
  "  n18 [label=\"port eno1\\n3c:ec:ef:00:00:01\", shape=box, style=\"rounded,filled\", fillcolor=\"#eceff1\"];",
  "  n19 [label=\"veth veth-host\", shape=box, style=\"rounded,filled\", fillcolor=\"#eceff1\"];",
  "  n3 -> n2 [dir=none, style=dashed];",
  "  n6 -> n13;",
  "  n15 -> n14;",
  "  n16 -> n14;",
  "  n5 -> n6;",
  "  n4 -> n11 [label=\"192.168.122.50\", style=dashed];",
  "  n4 -> n13 [label=\"192.168.122.10 (static)\", style=dashed];",
  "  n5 -> n2 [label=\"192.168.122.0/24\"];",
  "  n11 -> n2 [dir=none];",
  "  n12 -> n7 [dir=none];",
  "  n13 -> n2 [dir=none];",
  "  n9 -> n11 [dir=none];",
  "  n9 -> n12 [dir=none];",
  "  n10 -> n13 [dir=none];",
  "  n10 -> n14 [dir=none];",
  "  n5 -> n8 [label=\"out\"];",
  "  n18 -> n17 [label=\"released\", dir=none];",
  "  n19 -> n17 [dir=none];",
  "  n4 -> n2 [dir=none, style=dashed];",
  "  n19 -> n8 [dir=none];",
  "}",
].join("\n") + "\n";

test("Mermaid: the fixture's flowchart, exactly", () => {
  expect(renderGraph(GRAPH_FIXTURE, "mermaid")).toBe(MERMAID);
});

test("DOT: the fixture's digraph, exactly", () => {
  expect(renderGraph(GRAPH_FIXTURE, "dot")).toBe(DOT);
});

test("the fixture's node ids, containers first", () => {
  expect(graph.nodes.map((n) => n.id)).toEqual(FIXTURE_NODE_IDS);
  expect(graph.title).toBe("lab/dev");
});

// [id, kind, parent, label, external]
test.each([
  ["netns:lab-ns", "namespace", null, ["netns lab-ns"], false],
  ["natnetwork:default", "group", "netns:lab-ns", ["NatNetwork default"], false],
  ["bridge:lab-ns/virbr-lab", "bridge", "natnetwork:default", ["bridge virbr-lab","192.168.122.1/24"], false],
  ["acl:lab-ns/default-acl-1a2b3", "acl", "natnetwork:default", ["acl allow virbr-lab"], false],
  ["dhcp:lab-ns/default-dhcp-4c5d6", "dhcp", "natnetwork:default", ["dhcp default-dhcp-4c5d6","range 192.168.122.2 – 192.168.122.254","router 192.168.122.1","192.168.122.10 ← 52:54:00:00:00:10 (web)"], false],
  ["nat:lab-ns/default-nat-7e8f9", "nat", "natnetwork:default", ["nat default-nat-7e8f9","masquerade 192.168.122.0/24","out veth-up"], false],
  ["forward:lab-ns/nat:default-nat-7e8f9/tcp/*:8080", "forward", "natnetwork:default", ["tcp *:8080 → 192.168.122.10:80"], false],
  ["bridge:lab-ns/br-ext", "bridge", "netns:lab-ns", ["bridge br-ext"], true],
  ["veth:lab-ns/veth-up", "veth", "netns:lab-ns", ["veth veth-up"], false],
  ["vm:lab-ns/db", "vm", "netns:lab-ns", ["vm db","stopped","2 vCPU · 1024 MiB"], false],
  ["vm:lab-ns/web", "vm", "netns:lab-ns", ["vm web","running · tcg","1 vCPU · 512 MiB"], false],
  ["nic:lab-ns/db/net0", "nic", "netns:lab-ns", ["nic net0","52:54:00:00:00:11","192.168.122.50"], false],
  ["nic:lab-ns/db/net1", "nic", "netns:lab-ns", ["nic net1","52:54:00:00:00:12"], false],
  ["nic:lab-ns/web/net0", "nic", "netns:lab-ns", ["nic net0","52:54:00:00:00:10","192.168.122.10"], false],
  ["nic:lab-ns/web/net1", "nic", "netns:lab-ns", ["nic net1 (user)","52:54:00:00:00:20","10.0.2.15"], false],
  ["forward:lab-ns/web/net1/tcp/127.0.0.1:2222", "forward", "netns:lab-ns", ["tcp 127.0.0.1:2222 → 10.0.2.15:22"], false],
  ["forward:lab-ns/web/net1/tcp/127.0.0.1:8081", "forward", "netns:lab-ns", ["tcp 127.0.0.1:8081 → 10.0.2.15:80"], false],
  ["bridge:/br-lan", "bridge", null, ["bridge br-lan","10.10.0.1/24, 10.10.0.2/24"], false],
  ["port:/eno1", "port", null, ["port eno1","3c:ec:ef:00:00:01"], false],
  ["veth:/veth-host", "veth", null, ["veth veth-host"], false],
] as [string, string, string | null, string[], boolean][])("node %s: %s in %s, label %j, external %s", (id, kind, parent, label, external) => {
  const n = graph.nodes.find((x) => x.id === id)!;
  expect({ kind: n.kind, parent: n.parent ?? null, label: n.label, external: n.external ?? false }).toEqual({ kind, parent, label, external });
});

// [kind, source, target, label]: every edge, and no other.
const EDGES: [string, string, string, string | null][] = [
  ["acl", "acl:lab-ns/default-acl-1a2b3", "bridge:lab-ns/virbr-lab", null],
  ["forward", "forward:lab-ns/nat:default-nat-7e8f9/tcp/*:8080", "nic:lab-ns/web/net0", null],
  ["forward", "forward:lab-ns/web/net1/tcp/127.0.0.1:2222", "nic:lab-ns/web/net1", null],
  ["forward", "forward:lab-ns/web/net1/tcp/127.0.0.1:8081", "nic:lab-ns/web/net1", null],
  ["forward", "nat:lab-ns/default-nat-7e8f9", "forward:lab-ns/nat:default-nat-7e8f9/tcp/*:8080", null],
  ["lease", "dhcp:lab-ns/default-dhcp-4c5d6", "nic:lab-ns/db/net0", "192.168.122.50"],
  ["lease", "dhcp:lab-ns/default-dhcp-4c5d6", "nic:lab-ns/web/net0", "192.168.122.10 (static)"],
  ["masquerade", "nat:lab-ns/default-nat-7e8f9", "bridge:lab-ns/virbr-lab", "192.168.122.0/24"],
  ["nic", "nic:lab-ns/db/net0", "bridge:lab-ns/virbr-lab", null],
  ["nic", "nic:lab-ns/db/net1", "bridge:lab-ns/br-ext", null],
  ["nic", "nic:lab-ns/web/net0", "bridge:lab-ns/virbr-lab", null],
  ["nic", "vm:lab-ns/db", "nic:lab-ns/db/net0", null],
  ["nic", "vm:lab-ns/db", "nic:lab-ns/db/net1", null],
  ["nic", "vm:lab-ns/web", "nic:lab-ns/web/net0", null],
  ["nic", "vm:lab-ns/web", "nic:lab-ns/web/net1", null],
  ["out", "nat:lab-ns/default-nat-7e8f9", "veth:lab-ns/veth-up", "out"],
  ["port", "port:/eno1", "bridge:/br-lan", "released"],
  ["port", "veth:/veth-host", "bridge:/br-lan", null],
  ["serves", "dhcp:lab-ns/default-dhcp-4c5d6", "bridge:lab-ns/virbr-lab", null],
  ["veth", "veth:/veth-host", "veth:lab-ns/veth-up", null],
];

test.each(EDGES)("edge %s: %s → %s (%s)", (kind, source, target, label) => {
  expect(graph.edges.some((e) => e.kind === kind && e.source === source && e.target === target && (e.label ?? null) === label)).toBe(true);
});

test("no edge besides those", () => {
  expect(graph.edges.map((e) => [e.kind, e.source, e.target, e.label ?? null])).toEqual(EDGES);
});

test("properties: outputs over inputs, without the engine's keys, secrets redacted", () => {
  const props = (id: string) => graph.nodes.find((n) => n.id === id)!.props;
  expect(props("bridge:/br-lan").addresses).toEqual(["10.10.0.1/24", "10.10.0.2/24"]);
  expect(props("port:/eno1").bridge).toBe(""); // the host's (released), not the input's br-lan
  expect(Object.keys(props("vm:lab-ns/web")).filter((k) => k.startsWith("__"))).toEqual([]);
  expect(props("vm:lab-ns/web").cloudInit).toEqual({ userData: "[secret]" });
  expect(props("dhcp:lab-ns/default-dhcp-4c5d6").upstreamDns).toBe("[secret]");
  expect(props("forward:lab-ns/web/net1/tcp/127.0.0.1:8081")).toMatchObject({ rule: "tcp:127.0.0.1:8081-:80", active: true });
  expect(graph.nodes.find((n) => n.id === "forward:lab-ns/web/net1/tcp/127.0.0.1:8081")!.urn).toBe(
    "urn:pulumi:dev::lab::pulumi-nodejs:dynamic/qemu-lab:PortForward::web-http",
  );
});

test.each(["mermaid", "dot", "html"] as const)("%s: no secret's plaintext, no serialized provider", (format) => {
  const out = renderGraph(GRAPH_FIXTURE, format);
  for (const s of SECRET_PLAINTEXTS) {
    expect(out).not.toContain(s);
    expect(out).not.toContain(JSON.stringify(s).slice(1, -1)); // nor JSON-escaped
  }
  expect(out).not.toContain("hunter2");
  expect(out).not.toContain("serialized shim");
});

test("HTML: the properties carry [secret] where the secrets were", () => {
  const html = renderGraph(GRAPH_FIXTURE, "html");
  const data = JSON.parse(/<script type="application\/json" id="qemu-lab-graph-data">([^<]*)<\/script>/.exec(html)![1]!);
  const web = data.nodes.find((n: { id: string }) => n.id === "vm:lab-ns/web");
  expect(web.props.cloudInit).toEqual({ userData: "[secret]" });
});

test("layout: every leaf has a box, and no two leaves overlap", () => {
  const boxes = layoutLabGraph(graph);
  const leaves = graph.nodes.filter((n) => !graph.nodes.some((c) => c.parent === n.id));
  expect(leaves.every((n) => boxes.has(n.id))).toBe(true);
  const edges = (id: string) => {
    const b = boxes.get(id)!;
    return { x1: b.x - b.w / 2, x2: b.x + b.w / 2, y1: b.y - b.h / 2, y2: b.y + b.h / 2 };
  };
  for (const a of leaves)
    for (const b of leaves) {
      if (a.id >= b.id) continue;
      const p = edges(a.id);
      const q = edges(b.id);
      expect({ pair: [a.id, b.id], overlap: p.x1 < q.x2 && q.x1 < p.x2 && p.y1 < q.y2 && q.y1 < p.y2 }).toEqual({ pair: [a.id, b.id], overlap: false });
    }
});
