/**
 * Where each node goes in the HTML page: a left-to-right picture like the Mermaid one, computed here rather than by
 * a force layout (cose strings this lab's chains out and overlaps nodes). In each container the nodes stand in
 * columns by kind (VMs, forwards, NICs, interfaces, services); nested containers stack to the right of them. Sizes
 * come from the label's lines, so nothing overlaps. Pure.
 */
import type { LabGraph, LabNode, LabNodeKind } from "./model";
import { childrenOf } from "./text";

/** A node's box and centre, in model coordinates. */
export interface NodeBox {
  w: number;
  h: number;
  x: number;
  y: number;
}

/** Columns of a container, left to right. */
const COLUMNS: LabNodeKind[][] = [["vm"], ["forward"], ["nic"], ["bridge", "network", "port", "veth"], ["acl", "dhcp", "nat"]];
const GAP = 16;
const COLUMN_GAP = 90;
/** Matches the page's `padding` on compound nodes, and room for their label above them. */
const PADDING = 18;
const LABEL_ROOM = 20;
/** Approximate width of a character and height of a line at the page's 10 px font. */
const CHAR_W = 6.8;
const LINE_H = 13;

const isContainer = (n: LabNode) => n.kind === "namespace" || n.kind === "group";

/** A leaf's size from its label. Pure. */
export function nodeSize(label: readonly string[]): { w: number; h: number } {
  const longest = label.reduce((m, l) => Math.max(m, [...l].length), 0);
  return { w: Math.max(48, Math.round(longest * CHAR_W + 20)), h: label.length * LINE_H + 14 };
}

interface Block {
  w: number;
  h: number;
  /** Puts the block with its top-left corner at (x, y). */
  place(x: number, y: number): void;
}

/** Every node's box: leaves and empty containers get a centre; a container with contents is sized by cytoscape. Pure. */
export function layoutLabGraph(graph: LabGraph): Map<string, NodeBox> {
  const children = childrenOf(graph);
  const boxes = new Map<string, NodeBox>();
  const leaf = (n: LabNode): Block => {
    const { w, h } = nodeSize(n.label);
    return { w, h, place: (x, y) => boxes.set(n.id, { w, h, x: x + w / 2, y: y + h / 2 }) };
  };
  const container = (n: LabNode): Block => {
    if (!children.has(n.id)) return leaf(n);
    const inner = contents(n.id);
    return { w: inner.w + 2 * PADDING, h: inner.h + 2 * PADDING + LABEL_ROOM, place: (x, y) => inner.place(x + PADDING, y + LABEL_ROOM + PADDING) };
  };
  const stack = (blocks: Block[]): Block => ({
    w: Math.max(0, ...blocks.map((b) => b.w)),
    h: blocks.reduce((s, b) => s + b.h, 0) + GAP * Math.max(0, blocks.length - 1),
    place: (x, y) => {
      const w = Math.max(0, ...blocks.map((b) => b.w));
      for (const b of blocks) {
        b.place(x + (w - b.w) / 2, y);
        y += b.h + GAP;
      }
    },
  });
  const row = (blocks: Block[]): Block => ({
    w: blocks.reduce((s, b) => s + b.w, 0) + COLUMN_GAP * Math.max(0, blocks.length - 1),
    h: Math.max(0, ...blocks.map((b) => b.h)),
    place: (x, y) => {
      const h = Math.max(0, ...blocks.map((b) => b.h));
      for (const b of blocks) {
        b.place(x, y + (h - b.h) / 2);
        x += b.w + COLUMN_GAP;
      }
    },
  });
  const contents = (parent: string | undefined): Block => {
    const kids = children.get(parent) ?? [];
    const columns = COLUMNS.map((kinds) => kids.filter((n) => !isContainer(n) && kinds.includes(n.kind)).map(leaf)).filter((c) => c.length > 0);
    const nested = kids.filter(isContainer).map(container);
    return row([...columns.map(stack), ...(nested.length > 0 ? [stack(nested)] : [])]);
  };
  contents(undefined).place(0, 0);
  return boxes;
}
