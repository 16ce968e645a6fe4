/**
 * The lab as a graph, from a stack's state: namespaces containing bridges, ports, VMs, their NICs, forwards, DHCP and
 * NAT, joined by what the properties say (a NIC's bridge, a lease's MAC, a forward's guest address), not only by
 * Pulumi's dependencies. Outputs (what the host has) win over inputs; secrets never reach a label. Pure.
 */
import { ipv4InNetwork, ipv4NetworkOf } from "../../provider/host/ip/ipv4";
import type { ResourceState, StackState } from "../../driver/types";
import type { LabEdge, LabEdgeKind, LabGraph, LabNode, LabNodeKind } from "./model";
import { asArray, asRecord, asString, asText, displayProperties } from "./properties";

/** Type token of the NatNetwork component (sdk/nat-network.ts). */
export const NAT_NETWORK_TYPE = "qemu-lab:index:NatNetwork";

/** Type tokens of the dynamic resources: `pulumi-nodejs:dynamic/qemu-lab:<Kind>` (sdk/shim.ts TYPE_MODULE). */
const DYNAMIC_TYPE = /^pulumi-nodejs:dynamic\/qemu-lab:([A-Za-z]+)$/;

/** Kinds in the order they are read: what a resource refers to is read before it (bridges before their ports…). */
const KIND_ORDER = ["NatNetwork", "NetworkNamespace", "Bridge", "VethPair", "PhysicalPortAttachment", "QemuVm", "PortForward", "BridgeAcl", "DhcpServer", "NetworkNat"] as const;
type Kind = (typeof KIND_ORDER)[number];

/** Siblings' order in every format: containers, then the network's parts, then the VMs and what hangs off them. */
const NODE_RANK: Record<LabNodeKind, number> = { namespace: 0, group: 1, bridge: 2, network: 3, acl: 4, dhcp: 5, nat: 6, port: 7, veth: 8, vm: 9, nic: 10, forward: 11 };

/** The resource kind of a type token, or undefined for anything else (providers, the stack, user components). */
export function kindOfType(type: string): Kind | undefined {
  if (type === NAT_NETWORK_TYPE) return "NatNetwork";
  const kind = DYNAMIC_TYPE.exec(type)?.[1];
  return (KIND_ORDER as readonly string[]).includes(kind ?? "") && kind !== "NatNetwork" ? (kind as Kind) : undefined;
}

/** The lab graph of a stack's state. Pure. */
export function buildLabGraph(state: StackState): LabGraph {
  const b = new GraphBuilder();
  const resources = asArray(state.resources) as ResourceState[];
  for (const kind of KIND_ORDER) {
    // Live resources first: an old half of a replacement that shares a name must not take the node.
    const ofKind = resources.filter((r) => kindOfType(String(r?.type)) === kind);
    for (const r of [...ofKind.filter((r) => !r.delete), ...ofKind.filter((r) => r.delete)]) b.add(kind, r);
  }
  return b.finish(`${state.project}/${state.stack}`);
}

/** Label lines without the empty and absent ones. Pure. */
const nonEmpty = (lines: (string | undefined | false)[]): string[] => lines.filter((l): l is string => typeof l === "string" && l !== "");

class GraphBuilder {
  private readonly nodes = new Map<string, LabNode>();
  private readonly edges = new Map<string, LabEdge>();
  /** `<netns>/<ifname>` → the node of that interface (bridge, veth end, port). */
  private readonly ifaces = new Map<string, string>();
  /** Lower-case MAC → NIC node. */
  private readonly macs = new Map<string, string>();
  /** `<netns>/<ipv4>` → NIC node with that address. */
  private readonly ips = new Map<string, string>();
  /** NatNetwork URN → its group node. */
  private readonly groups = new Map<string, string>();
  /** Bridges with their addresses, for NAT's source network. */
  private readonly bridgeAddresses: { id: string; ns: string; addresses: string[] }[] = [];

  add(kind: Kind, r: ResourceState): void {
    const p = displayProperties(r);
    const ns = asString(asRecord(p.host).netns) ?? "";
    const resourceName = String(r.urn).split("::").pop() ?? "";
    const name = asText(p.name) ?? asText(r.id) ?? resourceName;
    const mark = r.delete ? ["(pending delete)"] : [];
    switch (kind) {
      case "NatNetwork": {
        const id = `natnetwork:${resourceName}`;
        this.upsert({ id, kind: "group", label: [`NatNetwork ${resourceName}`, ...mark], urn: r.urn, props: p });
        this.groups.set(r.urn, id);
        return;
      }
      case "NetworkNamespace":
        this.upsert({ id: `netns:${name}`, kind: "namespace", label: [`netns ${name}`, ...mark], urn: r.urn, props: p });
        return;
      case "Bridge": {
        const id = `bridge:${ns}/${name}`;
        const addresses = asArray(p.addresses).filter((a): a is string => typeof a === "string");
        this.upsert({ id, kind: "bridge", label: nonEmpty([`bridge ${name}`, addresses.join(", "), p.up === false && "down", ...mark]), parent: this.container(r, ns), urn: r.urn, props: p });
        this.ifaces.set(`${ns}/${name}`, id);
        this.bridgeAddresses.push({ id, ns, addresses });
        return;
      }
      case "VethPair": {
        const peer = asText(p.peerName) ?? "";
        const peerNs = asString(p.peerNetns) ?? ns;
        const a = `veth:${ns}/${name}`;
        const z = `veth:${peerNs}/${peer}`;
        this.upsert({ id: a, kind: "veth", label: [`veth ${name}`, ...mark], parent: this.container(r, ns), urn: r.urn, props: p });
        this.upsert({ id: z, kind: "veth", label: [`veth ${peer}`, ...mark], parent: this.namespace(peerNs), urn: r.urn, props: p });
        this.ifaces.set(`${ns}/${name}`, a);
        this.ifaces.set(`${peerNs}/${peer}`, z);
        this.edge("veth", a, z, p.up === false ? "down" : undefined);
        return;
      }
      case "PhysicalPortAttachment": {
        const port = asText(p.port) ?? "";
        let portId = this.ifaces.get(`${ns}/${port}`);
        if (portId === undefined) {
          portId = `port:${ns}/${port}`;
          this.upsert({ id: portId, kind: "port", label: nonEmpty([`port ${port}`, asText(p.portMacAddress), ...mark]), parent: this.container(r, ns), urn: r.urn, props: p });
          this.ifaces.set(`${ns}/${port}`, portId);
        }
        // The host's master ("" once released by hand) wins; the wanted bridge still gets the edge, marked.
        const actual = asText(p.bridge) ?? "";
        const wanted = asText(redacted(r.inputs).bridge) ?? actual;
        const moved = asArray(p.movedAddresses).filter((a): a is string => typeof a === "string");
        const label = actual === "" ? "released" : moved.length > 0 ? `moved ${moved.join(", ")}` : undefined;
        this.edge("port", portId, this.bridgeRef(ns, actual || wanted), label);
        return;
      }
      case "QemuVm":
        this.addVm(r, p, ns, name, mark);
        return;
      case "PortForward": {
        const vm = asText(p.vm) ?? "";
        const nic = this.nicRef(ns, vm, asText(p.netdev) ?? "net0");
        const guest = asText(p.effectiveGuestAddress) ?? asText(p.guestAddress) ?? "guest";
        this.addForward(nic, `forward:${ns}/${vm}/${asText(p.netdev) ?? "net0"}`, p, guest, [p.active === false && "inactive", ...mark], r.urn, this.nodes.get(nic)?.parent);
        return;
      }
      case "BridgeAcl": {
        const bridge = asText(p.bridge) ?? "";
        const warnings = asArray(p.warnings).length;
        const id = `acl:${ns}/${name}`;
        this.upsert({ id, kind: "acl", label: nonEmpty([`acl ${asText(p.action) ?? "allow"} ${bridge}`, warnings > 0 && `${warnings} warning${warnings > 1 ? "s" : ""}`, ...mark]), parent: this.container(r, ns), urn: r.urn, props: p });
        if (bridge !== "all") this.edge("acl", id, this.bridgeRef(ns, bridge));
        return;
      }
      case "DhcpServer":
        this.addDhcp(r, p, ns, name, mark);
        return;
      case "NetworkNat":
        this.addNat(r, p, ns, name, mark);
        return;
    }
  }

  private addVm(r: ResourceState, p: Record<string, unknown>, ns: string, name: string, mark: string[]): void {
    const id = `vm:${ns}/${name}`;
    const status = nonEmpty([asText(p.status), asText(p.acceleration)]).join(" · ");
    const size = nonEmpty([p.cpus !== undefined && `${asText(p.cpus) ?? "?"} vCPU`, p.memoryMiB !== undefined && `${asText(p.memoryMiB) ?? "?"} MiB`]).join(" · ");
    const parent = this.container(r, ns);
    this.upsert({ id, kind: "vm", label: nonEmpty([`vm ${name}`, status, size, ...mark]), parent, urn: r.urn, props: p });
    const macs = asArray(p.macs);
    const ipAddresses = asArray(p.ipAddresses);
    asArray(p.nics).forEach((raw, i) => {
      const nic = asRecord(raw);
      const nicId = asText(nic.id) ?? `net${i}`;
      const user = nic.type === "user";
      const mac = asText(nic.mac) ?? asText(macs[i]);
      const addresses = asArray(ipAddresses[i]).filter((a): a is string => typeof a === "string");
      const nid = `nic:${ns}/${name}/${nicId}`;
      this.upsert({
        id: nid,
        kind: "nic",
        label: nonEmpty([`nic ${nicId}${user ? " (user)" : ""}`, mac, addresses.join(", ")]),
        parent,
        urn: r.urn,
        props: { vm: name, index: i, ...nic, ipAddresses: addresses },
      });
      this.edge("nic", id, nid);
      if (mac !== undefined) this.macs.set(mac.toLowerCase(), nid);
      if (user) {
        // A user NIC's address is slirp's, a network of its own: no forward from the namespace reaches it.
        for (const f of asArray(nic.hostForwards)) this.addForward(nid, `forward:${ns}/${name}/${nicId}`, asRecord(f), addresses[0] ?? "guest", [], undefined, parent);
      } else {
        for (const a of addresses) this.ips.set(`${ns}/${a}`, nid);
        this.edge("nic", nid, this.bridgeRef(ns, asText(nic.bridge) ?? ""));
      }
    });
  }

  /** A user-mode forward (a PortForward or a VM's own hostForwards) to a NIC; both kinds of one socket are one node. */
  private addForward(nic: string, idPrefix: string, f: Record<string, unknown>, guest: string, extra: (string | false)[], urn: string | undefined, parent: string | undefined): void {
    const proto = asText(f.protocol) ?? "tcp";
    const address = asText(f.hostAddress) || "0.0.0.0";
    const id = `${idPrefix}/${proto}/${address}:${asText(f.hostPort) ?? "?"}`;
    const label = nonEmpty([`${proto} ${address}:${asText(f.hostPort) ?? "?"} → ${guest}:${asText(f.guestPort) ?? "?"}`, ...extra]);
    this.upsert({ id, kind: "forward", label, parent, urn, props: f });
    this.edge("forward", id, nic);
  }

  private addDhcp(r: ResourceState, p: Record<string, unknown>, ns: string, name: string, mark: string[]): void {
    const id = `dhcp:${ns}/${name}`;
    const range = asRecord(p.range);
    const statics = asArray(p.staticLeases).map(asRecord);
    const leaseLines = statics.map((l) => `${asText(l.ip) ?? "?"} ← ${asText(l.mac) ?? "?"}${asText(l.hostname) ? ` (${asText(l.hostname)})` : ""}`);
    this.upsert({
      id,
      kind: "dhcp",
      label: nonEmpty([
        `dhcp ${name}`,
        `range ${asText(range.start) ?? "?"} – ${asText(range.end) ?? "?"}`,
        asText(p.router) && `router ${asText(p.router)}`,
        ...leaseLines,
        p.status === "stopped" && "stopped",
        ...mark,
      ]),
      parent: this.container(r, ns),
      urn: r.urn,
      props: p,
    });
    this.edge("serves", id, this.bridgeRef(ns, asText(p.bridge) ?? ""));
    // Static leases, then the leases dnsmasq handed out: each to the NIC with that MAC.
    const leases = [...statics.map((l) => ({ l, fixed: true })), ...asArray(p.leases).map((l) => ({ l: asRecord(l), fixed: false }))];
    for (const { l, fixed } of leases) {
      const ip = asText(l.ip);
      const nic = this.macs.get((asText(l.mac) ?? "").toLowerCase());
      if (ip === undefined || nic === undefined) continue;
      this.edge("lease", id, nic, fixed ? `${ip} (static)` : ip);
      if (!this.ips.has(`${ns}/${ip}`)) this.ips.set(`${ns}/${ip}`, nic);
    }
  }

  private addNat(r: ResourceState, p: Record<string, unknown>, ns: string, name: string, mark: string[]): void {
    const id = `nat:${ns}/${name}`;
    const cidr = asText(p.sourceCidr) ?? "";
    const out = asText(p.outInterface);
    const parent = this.container(r, ns);
    this.upsert({ id, kind: "nat", label: nonEmpty([`nat ${name}`, `masquerade ${cidr}`, out ? `out ${out}` : "out any interface", ...mark]), parent, urn: r.urn, props: p });
    const net = ipv4NetworkOf(cidr);
    const bridges = "error" in net ? [] : this.bridgeAddresses.filter((x) => x.ns === ns && x.addresses.some((a) => ipv4InNetwork(a.split("/")[0]!, net)));
    if (bridges.length === 0) {
      const nid = `network:${ns}/${cidr}`;
      this.upsert({ id: nid, kind: "network", label: [`network ${cidr}`], parent, props: { network: cidr } });
      bridges.push({ id: nid, ns, addresses: [] });
    }
    for (const x of bridges) this.edge("masquerade", id, x.id, cidr);
    if (out) this.edge("out", id, this.ifaceRef(ns, out), "out");
    for (const raw of asArray(p.forwards)) {
      const f = asRecord(raw);
      const proto = asText(f.protocol) ?? "tcp";
      const at = `${asText(f.hostAddress) ?? "*"}:${asText(f.hostPort) ?? "?"}`;
      const to = asText(f.toAddress) ?? "?";
      const fid = `forward:${ns}/nat:${name}/${proto}/${at}`;
      this.upsert({ id: fid, kind: "forward", label: [`${proto} ${at} → ${to}:${asText(f.toPort) ?? "?"}`], parent, props: { nat: name, ...f } });
      this.edge("forward", id, fid);
      const nic = this.ips.get(`${ns}/${to}`);
      if (nic !== undefined) this.edge("forward", fid, nic);
    }
  }

  /** The namespace node (a placeholder for one made outside the stack); undefined for the root namespace. */
  private namespace(ns: string): string | undefined {
    if (ns === "") return undefined;
    const id = `netns:${ns}`;
    if (!this.nodes.has(id)) this.upsert({ id, kind: "namespace", label: [`netns ${ns}`], external: true, props: { name: ns } });
    return id;
  }

  /** Where a resource's nodes go: its NatNetwork's group (placed in the namespace), else its namespace. */
  private container(r: ResourceState, ns: string): string | undefined {
    const group = r.parent === undefined ? undefined : this.groups.get(r.parent);
    if (group === undefined) return this.namespace(ns);
    const node = this.nodes.get(group)!;
    node.parent ??= this.namespace(ns);
    return group;
  }

  /** The bridge named in `ns` (a placeholder for one the stack does not manage). */
  private bridgeRef(ns: string, name: string): string {
    return this.interface(ns, name, "bridge");
  }

  /** Any interface named in `ns`: one the graph has, else a placeholder port. */
  private ifaceRef(ns: string, name: string): string {
    return this.interface(ns, name, "port");
  }

  private interface(ns: string, name: string, kind: "bridge" | "port"): string {
    const known = this.ifaces.get(`${ns}/${name}`);
    if (known !== undefined) return known;
    const id = `${kind}:${ns}/${name}`;
    this.upsert({ id, kind, label: [`${kind === "bridge" ? "bridge" : "interface"} ${name}`], parent: this.namespace(ns), external: true, props: { name, ...(ns ? { netns: ns } : {}) } });
    this.ifaces.set(`${ns}/${name}`, id);
    return id;
  }

  /** A VM's NIC by netdev id (placeholders for a VM the stack does not have). */
  private nicRef(ns: string, vm: string, netdev: string): string {
    const id = `nic:${ns}/${vm}/${netdev}`;
    if (this.nodes.has(id)) return id;
    const vmId = `vm:${ns}/${vm}`;
    if (!this.nodes.has(vmId)) this.upsert({ id: vmId, kind: "vm", label: [`vm ${vm}`], parent: this.namespace(ns), external: true, props: { name: vm } });
    this.upsert({ id, kind: "nic", label: [`nic ${netdev}`], parent: this.nodes.get(vmId)!.parent, external: true, props: { vm, id: netdev } });
    this.edge("nic", vmId, id);
    return id;
  }

  /** Adds a node, or lets a resource's node take the place of a placeholder or of a derived node of the same id. */
  private upsert(node: LabNode): void {
    const old = this.nodes.get(node.id);
    if (old === undefined || (old.external && !node.external) || (node.urn !== undefined && old.urn === undefined && !node.external)) {
      const merged: LabNode = { ...node };
      if (node.external === undefined) delete merged.external;
      if (merged.parent === undefined && old?.parent !== undefined) merged.parent = old.parent;
      this.nodes.set(node.id, merged);
    }
  }

  private edge(kind: LabEdgeKind, source: string, target: string, label?: string): void {
    const id = `${kind}:${source}->${target}`;
    if (!this.edges.has(id)) this.edges.set(id, label === undefined ? { id, kind, source, target } : { id, kind, source, target, label });
  }

  /** Nodes in tree order (each container before its contents, siblings by kind then id), edges by id. */
  finish(title: string): LabGraph {
    const all = [...this.nodes.values()].map((n) => (n.parent !== undefined && !this.nodes.has(n.parent) ? { ...n, parent: undefined } : n));
    for (const n of all) if (n.parent === undefined) delete n.parent;
    const children = new Map<string | undefined, LabNode[]>();
    for (const n of all) children.set(n.parent, [...(children.get(n.parent) ?? []), n]);
    const ordered: LabNode[] = [];
    const walk = (parent: string | undefined) => {
      const list = (children.get(parent) ?? []).sort((a, b) => NODE_RANK[a.kind] - NODE_RANK[b.kind] || compare(a.id, b.id));
      for (const n of list) {
        ordered.push(n);
        walk(n.id);
      }
    };
    walk(undefined);
    const edges = [...this.edges.values()].sort((a, b) => compare(a.id, b.id));
    return { title, nodes: ordered, edges };
  }
}

/** Code-unit order, so the picture does not depend on the locale. */
const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Inputs with secrets redacted (for the one place the wanted value matters more than the host's). */
function redacted(inputs: unknown): Record<string, unknown> {
  return displayProperties({ inputs: asRecord(inputs), outputs: {} });
}
