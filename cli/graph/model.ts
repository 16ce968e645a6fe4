/**
 * The picture of a lab as data: what {@link buildLabGraph} derives from a stack's state and every format renders.
 */

/** What a node stands for. `namespace` and `group` (a NatNetwork component) contain other nodes. */
export type LabNodeKind = "namespace" | "group" | "bridge" | "port" | "veth" | "vm" | "nic" | "forward" | "dhcp" | "nat" | "network" | "acl";

/** One thing in the lab. */
export interface LabNode {
  /** Stable id made of the kind, namespace and names, e.g. `bridge:lab/br0` (the root namespace is empty: `bridge:/br0`). */
  id: string;
  kind: LabNodeKind;
  /** Lines of the label, plain text (each format escapes it). */
  label: string[];
  /** The containing namespace or NatNetwork node. */
  parent?: string;
  /** The resource the node comes from, when it is one. */
  urn?: string;
  /** Referenced by the stack but not one of its resources (an existing bridge, an uplink, a namespace made elsewhere). */
  external?: boolean;
  /** Properties shown on click: the resource's (outputs over inputs) or the part of it the node is; secrets redacted. */
  props: Record<string, unknown>;
}

/**
 * What an edge means: `veth` the two ends of a pair, `port` an interface enslaved to a bridge, `nic` a VM's NIC (VM →
 * NIC → bridge), `forward` a forward to the interface or guest it reaches, `serves` DHCP on a bridge, `lease` an
 * address DHCP gives a NIC, `masquerade` NAT of a network, `out` NAT's uplink, `acl` an ACL entry about a bridge.
 */
export type LabEdgeKind = "veth" | "port" | "nic" | "forward" | "serves" | "lease" | "masquerade" | "out" | "acl";

/** A relation between two nodes. */
export interface LabEdge {
  /** `<source>-><target>` plus the kind, unique. */
  id: string;
  kind: LabEdgeKind;
  source: string;
  target: string;
  label?: string;
}

/** Nodes (containers before what they contain) and edges, both in a stable order. */
export interface LabGraph {
  title: string;
  nodes: LabNode[];
  edges: LabEdge[];
}
