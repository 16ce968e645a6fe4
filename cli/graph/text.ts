/**
 * What the text formats share: short node names (`n0`, `n1`, … in the graph's order, so no resource name ever
 * becomes syntax) and the removal of control characters, which no label needs. Pure.
 */
import type { LabGraph } from "./model";

/** Control characters (C0, DEL, C1) and the Unicode line/paragraph separators. */
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;

/** `s` with every control character replaced by U+FFFD, so a name cannot start a line of its own. Pure. */
export function withoutControls(s: string): string {
  return s.replace(CONTROL, "\ufffd");
}

/** Node id → `n<index>`, in the graph's node order. Pure. */
export function shortNames(graph: LabGraph): Map<string, string> {
  return new Map(graph.nodes.map((n, i) => [n.id, `n${i}`]));
}

/** Nodes grouped by container (undefined: the top level), in the graph's order. Pure. */
export function childrenOf(graph: LabGraph): Map<string | undefined, LabGraph["nodes"]> {
  const children = new Map<string | undefined, LabGraph["nodes"]>();
  for (const n of graph.nodes) children.set(n.parent, [...(children.get(n.parent) ?? []), n]);
  return children;
}
