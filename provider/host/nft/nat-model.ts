/**
 * The one model of a NetworkNat's nftables table: what the renderer writes and what the `nft -j` parser reads back,
 * so the plan and the host compare with plain equality. Pure data; knows nothing of Pulumi.
 */

import { LOOPBACK_IPV4_NET } from "../ip/ipv4";

/** A transport protocol a forward matches. */
export type NatProtocol = "tcp" | "udp";

/** A DNAT rule: `[ip daddr A | fib daddr type local ip daddr != 127.0.0.0/8] PROTO dport P dnat to T:Q`. */
export interface DnatRule {
  kind: "dnat";
  /** Only packets to this address (`ip daddr`); unset: every local address (`fib daddr type local`). */
  daddr?: string;
  /** Loopback destinations are skipped (`ip daddr != 127.0.0.0/8`): the any-address rules. */
  notLoopback: boolean;
  protocol: NatProtocol;
  dport: number;
  toAddress: string;
  toPort: number;
}

/**
 * The exemption libvirt puts before its masquerade: `ip saddr NET ip daddr { 224.0.0.0/24, 255.255.255.255 }
 * [oifname "IF"] return`, so a guest's local multicast and broadcast keep their source address.
 */
export interface ExemptRule {
  kind: "exempt";
  saddr: string;
  oifname?: string;
}

/**
 * A masquerade rule: `ip saddr NET ip daddr != NET [oifname "IF"] [meta l4proto { tcp, udp }] masquerade
 * [to :1024-65535]`. With `unprivilegedPorts`, TCP and UDP only, their source ports mapped into 1024–65535 (libvirt's
 * `--to-ports 1024-65535`); without, every protocol.
 */
export interface MasqueradeRule {
  kind: "masquerade";
  /** Source network, `a.b.c.d/len`. */
  saddr: string;
  /** Destinations exempt (the source network itself: traffic inside the LAN keeps its addresses). */
  notDaddr: string;
  /** Only packets leaving through this interface. */
  oifname?: string;
  /** TCP and UDP only, with source ports 1024–65535. */
  unprivilegedPorts: boolean;
}

/**
 * Hairpin NAT: `ip saddr NET ip daddr NET ct status dnat masquerade`. A guest reaching another guest (or itself)
 * through a forwarded host port: the reply must come back through the host to be un-DNAT'ed, so the source becomes
 * the host's address on the LAN.
 */
export interface HairpinRule {
  kind: "hairpin";
  net: string;
}

/** A rule the parser cannot map to one of ours (added or changed by hand): its `nft -j` expressions as JSON text. */
export interface OtherRule {
  kind: "other";
  expr: string;
}

export type NatRule = DnatRule | ExemptRule | MasqueradeRule | HairpinRule | OtherRule;

/** A base chain and its rules, in the order nft lists them. */
export interface NatChain {
  name: string;
  type: string;
  hook: string;
  /** Numeric priority (dstnat is -100, srcnat 100). */
  priority: number;
  policy: string;
  rules: NatRule[];
}

/**
 * A whole table. A table that is not there reads as no chains. `flags` (`dormant` stops every rule of the table) and
 * `foreign` (sets, maps, counters, ... added to our table, as `set NAME`) are empty in every plan: anything there is
 * drift that the next update removes.
 */
export interface NatTable {
  flags: string[];
  foreign: string[];
  chains: NatChain[];
}

/** The table of a NetworkNat that has none on the host (deleted by hand): differs from every plan. */
export function noNatTable(): NatTable {
  return { flags: [], foreign: [], chains: [] };
}

/** One host port forwarded to a guest. */
export interface NatForward {
  protocol: NatProtocol;
  /** Unset: every local address. */
  hostAddress?: string;
  hostPort: number;
  toAddress: string;
  toPort: number;
}

/** What a NetworkNat asks for, as plain data. */
export interface NatSpec {
  /** Source network to masquerade, `a.b.c.d/len` with the host bits clear. */
  sourceCidr: string;
  outInterface?: string;
  forwards: readonly NatForward[];
}

/** Prefix of every NetworkNat table: with the family it marks a table as one of ours. */
export const NAT_TABLE_PREFIX = "qemu_lab_nat_";
/** Longest NetworkNat name: the table is `qemu_lab_nat_<name>`, well inside nft's 256-byte table names. */
export const NAT_NAME_MAX = 32;

/** The nftables table of the NetworkNat named `name` (in family `ip`). Pure. */
export function natTableName(name: string): string {
  return `${NAT_TABLE_PREFIX}${name}`;
}

/** Loopback: a DNAT'ed connection from 127.0.0.1 would carry a source address the kernel refuses to route out. */
export const LOOPBACK_NET = LOOPBACK_IPV4_NET;
/** nft's `dstnat` and `srcnat` priorities. */
const DSTNAT = -100;
const SRCNAT = 100;

function dnat(f: NatForward): DnatRule {
  const rule: DnatRule = { kind: "dnat", notLoopback: f.hostAddress === undefined, protocol: f.protocol, dport: f.hostPort, toAddress: f.toAddress, toPort: f.toPort };
  if (f.hostAddress !== undefined) rule.daddr = f.hostAddress;
  return rule;
}

/**
 * The table a spec asks for. prerouting: DNAT for connections arriving on any interface; output: the same for
 * connections the host itself opens; both skip 127.0.0.0/8 (a packet to loopback from outside is a spoof, and a
 * loopback connection cannot be forwarded out). postrouting, as libvirt's NAT network does it
 * (`LIBVIRT_PRT`): local multicast and broadcast exempt, then TCP/UDP masqueraded to ports 1024–65535, then
 * everything else masqueraded; then hairpin NAT for guests reaching guests through a forwarded port. Pure.
 */
export function planNatTable(spec: NatSpec): NatTable {
  const oif = spec.outInterface !== undefined ? { oifname: spec.outInterface } : {};
  const exempt: ExemptRule = { kind: "exempt", saddr: spec.sourceCidr, ...oif };
  const masq = (unprivilegedPorts: boolean): MasqueradeRule => ({ kind: "masquerade", saddr: spec.sourceCidr, notDaddr: spec.sourceCidr, ...oif, unprivilegedPorts });
  const rules = spec.forwards.map(dnat);
  return {
    flags: [],
    foreign: [],
    chains: [
      { name: "prerouting", type: "nat", hook: "prerouting", priority: DSTNAT, policy: "accept", rules },
      { name: "output", type: "nat", hook: "output", priority: DSTNAT, policy: "accept", rules: spec.forwards.map(dnat) },
      {
        name: "postrouting", type: "nat", hook: "postrouting", priority: SRCNAT, policy: "accept",
        rules: [exempt, masq(true), masq(false), { kind: "hairpin", net: spec.sourceCidr }],
      },
    ],
  };
}
