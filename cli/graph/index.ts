/**
 * `qemu-lab graph`: a picture of the lab from the stack's state — Mermaid for READMEs, DOT for Graphviz, or one
 * self-contained interactive HTML page. Secrets show as `[secret]`; names are escaped for each format.
 */
import type { StackState } from "../../driver/types";
import { buildLabGraph } from "./build";
import { renderDot } from "./dot";
import { renderHtml } from "./html";
import { renderMermaid } from "./mermaid";

export type { LabEdge, LabEdgeKind, LabGraph, LabNode, LabNodeKind } from "./model";
export { buildLabGraph } from "./build";

/** The formats `renderGraph` writes. */
export const GRAPH_FORMATS = ["mermaid", "dot", "html"] as const;

/** One of {@link GRAPH_FORMATS}. */
export type GraphFormat = (typeof GRAPH_FORMATS)[number];

/** The lab of `state` in `format`: Mermaid (`flowchart LR`), DOT (`digraph`) or a self-contained HTML page. */
export function renderGraph(state: StackState, format: GraphFormat): string {
  const graph = buildLabGraph(state);
  switch (format) {
    case "mermaid":
      return renderMermaid(graph);
    case "dot":
      return renderDot(graph);
    case "html":
      return renderHtml(graph);
    default:
      throw new Error(`unknown graph format ${JSON.stringify(format)}: use ${GRAPH_FORMATS.join(", ")}`);
  }
}
