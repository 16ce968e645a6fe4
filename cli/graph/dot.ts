/**
 * Graphviz DOT (`digraph`, a cluster per namespace and per NatNetwork). Node names are `n<index>`; every label is a
 * quoted string with `\` and `"` escaped, so a name cannot end it or add attributes or statements. Pure.
 */
import type { LabEdgeKind, LabGraph, LabNodeKind } from "./model";
import { childrenOf, shortNames, withoutControls } from "./text";

/** One line of label text inside a DOT quoted string (an escString: `\` would start `\n`, `\N`, …). Pure. */
export function dotText(s: string): string {
  return withoutControls(s).replace(/[\\"]/g, (c) => `\\${c}`);
}

/** A quoted label, lines joined by DOT's centred line break `\n`. Pure. */
export function dotLabel(lines: readonly string[]): string {
  return `"${lines.map(dotText).join("\\n")}"`;
}

/** Shape, fill and whether the box is rounded, per kind. */
const NODE_STYLE: Record<Exclude<LabNodeKind, "namespace" | "group">, [shape: string, fill: string, rounded?: true]> = {
  bridge: ["hexagon", "#e3f2fd"],
  network: ["ellipse", "#e3f2fd"],
  acl: ["note", "#efebe9"],
  dhcp: ["cylinder", "#f3e5f5"],
  nat: ["parallelogram", "#fce4ec"],
  port: ["box", "#eceff1", true],
  veth: ["box", "#eceff1", true],
  vm: ["box3d", "#e8f5e9"],
  nic: ["box", "#f1f8e9", true],
  forward: ["cds", "#fff3e0"],
};

/** Extra attributes per edge kind: pairs undirected, relations that are not traffic dashed. */
const EDGE_STYLE: Record<LabEdgeKind, string> = {
  veth: "dir=none",
  port: "dir=none",
  nic: "dir=none",
  forward: "",
  serves: "dir=none, style=dashed",
  lease: "style=dashed",
  masquerade: "",
  out: "",
  acl: "dir=none, style=dashed",
};

/** The graph as a DOT digraph. Pure. */
export function renderDot(graph: LabGraph): string {
  const names = shortNames(graph);
  const children = childrenOf(graph);
  const lines = [
    "digraph qemu_lab {",
    `  graph [rankdir=LR, compound=true, fontname="Helvetica", labelloc=t, label=${dotLabel([`qemu-lab ${graph.title}`])}];`,
    '  node [fontname="Helvetica", fontsize=10];',
    '  edge [fontname="Helvetica", fontsize=9];',
  ];
  const walk = (parent: string | undefined, depth: number) => {
    const pad = "  ".repeat(depth);
    for (const n of children.get(parent) ?? []) {
      const name = names.get(n.id)!;
      if (n.kind === "namespace" || n.kind === "group") {
        lines.push(`${pad}subgraph cluster_${name} {`);
        const look = n.kind === "namespace" ? 'style="rounded,dashed", color=gray50' : 'style="rounded,filled", fillcolor="#fffde7", color="#f9a825"';
        lines.push(`${pad}  graph [label=${dotLabel(n.label)}, ${look}];`);
        // Graphviz leaves out an empty cluster; an invisible point keeps an empty namespace in the picture.
        if (!children.has(n.id)) lines.push(`${pad}  ${name}_empty [shape=point, style=invis];`);
        walk(n.id, depth + 1);
        lines.push(`${pad}}`);
      } else {
        const [shape, fill, rounded] = NODE_STYLE[n.kind];
        // Dashed and grey: referenced by the stack, not one of its resources.
        const style = `${rounded ? "rounded," : ""}filled${n.external ? ",dashed" : ""}`;
        lines.push(`${pad}${name} [label=${dotLabel(n.label)}, shape=${shape}, style="${style}", fillcolor="${fill}"${n.external ? ", color=gray40" : ""}];`);
      }
    }
  };
  walk(undefined, 1);
  for (const e of graph.edges) {
    const attrs = [e.label === undefined ? "" : `label=${dotLabel([e.label])}`, EDGE_STYLE[e.kind]].filter((a) => a !== "");
    lines.push(`  ${names.get(e.source)} -> ${names.get(e.target)}${attrs.length > 0 ? ` [${attrs.join(", ")}]` : ""};`);
  }
  lines.push("}");
  return lines.join("\n") + "\n";
}
