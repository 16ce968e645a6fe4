/**
 * Mermaid (`flowchart LR`) for READMEs: a subgraph per namespace (and per NatNetwork inside it). Every label is a
 * quoted string whose risky characters are Mermaid entity codes (`#34;`), so a name cannot end the string or add a
 * statement (`click`, `style`…). Pure.
 */
import type { LabEdgeKind, LabGraph, LabNodeKind } from "./model";
import { childrenOf, shortNames, withoutControls } from "./text";

/** Characters that end a quoted label, start an entity, HTML, Markdown or a statement: written as `#<code>;`. */
const RISKY = /["#&<>`'[\]{}|;\\%]/g;

/** One line of label text as Mermaid shows it literally. Pure. */
export function mermaidText(s: string): string {
  return withoutControls(s).replace(RISKY, (c) => `#${c.charCodeAt(0)};`);
}

/** A label: quoted, lines joined by `<br/>` (our own markup; theirs is escaped). Pure. */
export function mermaidLabel(lines: readonly string[]): string {
  return `"${lines.map(mermaidText).join("<br/>")}"`;
}

/** Opening and closing brackets of each kind's shape. */
const SHAPES: Record<Exclude<LabNodeKind, "namespace" | "group">, [string, string]> = {
  bridge: ["{{", "}}"],
  network: ["((", "))"],
  acl: ["[[", "]]"],
  dhcp: ["[(", ")]"],
  nat: ["[/", "/]"],
  port: ["([", "])"],
  veth: ["([", "])"],
  vm: ["[", "]"],
  nic: ["([", "])"],
  forward: [">", "]"],
};

/** Arrow per edge kind: pairs are undirected, relations that are not traffic are dotted. */
const ARROWS: Record<LabEdgeKind, string> = {
  veth: "---",
  port: "---",
  nic: "---",
  forward: "-->",
  serves: "-.-",
  lease: "-.->",
  masquerade: "-->",
  out: "-->",
  acl: "-.-",
};

/** Fill and stroke per kind. */
const CLASSES: [string, string][] = [
  ["namespace", "fill:#f5f5f5,stroke:#9e9e9e"],
  ["group", "fill:#fffde7,stroke:#f9a825"],
  ["bridge", "fill:#e3f2fd,stroke:#1565c0"],
  ["network", "fill:#e3f2fd,stroke:#1565c0"],
  ["port", "fill:#eceff1,stroke:#546e7a"],
  ["veth", "fill:#eceff1,stroke:#546e7a"],
  ["vm", "fill:#e8f5e9,stroke:#2e7d32"],
  ["nic", "fill:#f1f8e9,stroke:#558b2f"],
  ["forward", "fill:#fff3e0,stroke:#ef6c00"],
  ["dhcp", "fill:#f3e5f5,stroke:#6a1b9a"],
  ["nat", "fill:#fce4ec,stroke:#ad1457"],
  ["acl", "fill:#efebe9,stroke:#5d4037"],
  ["external", "stroke-dasharray:4 3"],
];

/** The graph as a Mermaid flowchart. Pure. */
export function renderMermaid(graph: LabGraph): string {
  const names = shortNames(graph);
  const children = childrenOf(graph);
  const lines = ["flowchart LR"];
  const walk = (parent: string | undefined, depth: number) => {
    const pad = "  ".repeat(depth);
    for (const n of children.get(parent) ?? []) {
      const name = names.get(n.id)!;
      if (n.kind === "namespace" || n.kind === "group") {
        lines.push(`${pad}subgraph ${name}[${mermaidLabel(n.label)}]`);
        walk(n.id, depth + 1);
        lines.push(`${pad}end`);
      } else {
        const [open, close] = SHAPES[n.kind];
        lines.push(`${pad}${name}${open}${mermaidLabel(n.label)}${close}`);
      }
    }
  };
  walk(undefined, 1);
  for (const e of graph.edges) {
    const arrow = ARROWS[e.kind];
    lines.push(`  ${names.get(e.source)} ${arrow}${e.label === undefined ? "" : `|${mermaidLabel([e.label])}|`} ${names.get(e.target)}`);
  }
  for (const [cls, style] of CLASSES) {
    const members = graph.nodes.filter((n) => (cls === "external" ? n.external : n.kind === cls)).map((n) => names.get(n.id)!);
    if (members.length === 0) continue;
    lines.push(`  classDef ${cls} ${style}`);
    lines.push(`  class ${members.join(",")} ${cls}`);
  }
  return lines.join("\n") + "\n";
}
