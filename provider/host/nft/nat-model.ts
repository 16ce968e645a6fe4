/**
 * The one model of a NetworkNat's nftables table: what the renderer writes and what the `nft -j` parser reads back,
 * so the plan and the host compare with plain equality. Pure data; knows nothing of Pulumi.
 */

/** A transport protocol a forward matches. */
export type NatProtocol = "tcp" | "udp";

/** A DNAT rule: `[ip daddr A | fib daddr type local] [ip daddr != 127.0.0.0/8] PROTO dport P dnat to T:Q`. */
export interface DnatRule {
  kind: "dnat";
  /** Only packets to this address (`ip daddr`); unset: every local address (`fib daddr type local`). */
  daddr?: string;
  /** Loopback destinations are skipped (`ip daddr != 127.0.0.0/8`): the output chain's any-address rules. */
  notLoopback: boolean;
  protocol: NatProtocol;
  dport: number;
  toAddress: string;
  toPort: number;
}

/** A masquerade rule: `ip saddr NET ip daddr != NET [oifname "IF"] masquerade`. */
export interface MasqueradeRule {
  kind: "masquerade";
  /** Source network, `a.b.c.d/len`. */
  saddr: string;
  /** Destinations exempt (the source network itself: traffic inside the LAN keeps its addresses). */
  notDaddr: string;
  /** Only packets leaving through this interface. */
  oifname?: string;
}

/** A rule the parser cannot map to one of ours (added or changed by hand): its `nft -j` expressions as JSON text. */
export interface OtherRule {
  kind: "other";
  expr: string;
}

export type NatRule = DnatRule | MasqueradeRule | OtherRule;

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

/** A whole table: its chains in order. A table that is not there reads as no chains. */
export interface NatTable {
  chains: NatChain[];
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

/** The nftables table of the NetworkNat named `name` (in family `ip`). Pure. */
export function natTableName(name: string): string {
  return `${NAT_TABLE_PREFIX}${name}`;
}

/** Loopback: a DNAT'ed connection from 127.0.0.1 would carry a source address the kernel refuses to route out. */
export const LOOPBACK_NET = "127.0.0.0/8";
/** nft's `dstnat` and `srcnat` priorities. */
const DSTNAT = -100;
const SRCNAT = 100;

function dnat(f: NatForward, output: boolean): DnatRule {
  const rule: DnatRule = { kind: "dnat", notLoopback: output && f.hostAddress === undefined, protocol: f.protocol, dport: f.hostPort, toAddress: f.toAddress, toPort: f.toPort };
  if (f.hostAddress !== undefined) rule.daddr = f.hostAddress;
  return rule;
}

/**
 * The table a spec asks for. prerouting: DNAT for connections arriving on any interface; output: the same for
 * connections the host itself opens (except to loopback); postrouting: masquerade of the source network. Pure.
 */
export function planNatTable(spec: NatSpec): NatTable {
  const masq: MasqueradeRule = { kind: "masquerade", saddr: spec.sourceCidr, notDaddr: spec.sourceCidr };
  if (spec.outInterface !== undefined) masq.oifname = spec.outInterface;
  return {
    chains: [
      { name: "prerouting", type: "nat", hook: "prerouting", priority: DSTNAT, policy: "accept", rules: spec.forwards.map((f) => dnat(f, false)) },
      { name: "output", type: "nat", hook: "output", priority: DSTNAT, policy: "accept", rules: spec.forwards.map((f) => dnat(f, true)) },
      { name: "postrouting", type: "nat", hook: "postrouting", priority: SRCNAT, policy: "accept", rules: [masq] },
    ],
  };
}
