import { createHash } from "node:crypto";
import { isInterfaceName } from "../ip/ifname";
import { formatIpv4Network, ipv4NetworkOf, isIpv4 } from "../ip/ipv4";
import { LOOPBACK_NET, type NatChain, type NatRule, type NatTable } from "./nat-model";

/** nft identifiers we write (table, chain, hook, policy names): never quoted, so never anything else. */
const IDENT = /^[A-Za-z][A-Za-z0-9_.-]*$/;
/** What libvirt exempts from masquerade: local multicast (224.0.0.0/24) and the limited broadcast. */
const EXEMPT_DADDR = "{ 224.0.0.0/24, 255.255.255.255 }";
/** nft's limit on a table comment ("comment too long, 128 characters maximum allowed"). */
export const NFT_COMMENT_MAX = 128;

function ident(s: string, what: string): string {
  if (!IDENT.test(s)) throw new Error(`invalid nft ${what} ${JSON.stringify(s)}`);
  return s;
}

function addr(s: string): string {
  if (!isIpv4(s)) throw new Error(`invalid IPv4 address ${JSON.stringify(s)}`);
  return s;
}

/** A network exactly as written, host bits clear (what check lets through, and what nft lists back). */
function cidr(s: string): string {
  const n = ipv4NetworkOf(s);
  if ("error" in n || formatIpv4Network(n) !== s) throw new Error(`invalid IPv4 network ${JSON.stringify(s)}`);
  return s;
}

function port(n: number): number {
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new Error(`invalid port ${n}`);
  return n;
}

function oif(name: string | undefined): string {
  if (name === undefined) return "";
  if (!isInterfaceName(name)) throw new Error(`invalid interface name ${JSON.stringify(name)}`);
  return ` oifname "${name}"`;
}

/** One rule as nft text. Defence in depth: check validated every value; the renderer refuses anything else. Pure. */
export function renderNatRule(r: NatRule): string {
  switch (r.kind) {
    case "dnat": {
      if (r.protocol !== "tcp" && r.protocol !== "udp") throw new Error(`invalid protocol ${JSON.stringify(r.protocol)}`);
      const dst = r.daddr !== undefined ? `ip daddr ${addr(r.daddr)}` : "fib daddr type local";
      const lo = r.notLoopback ? ` ip daddr != ${LOOPBACK_NET}` : "";
      return `${dst}${lo} ${r.protocol} dport ${port(r.dport)} dnat to ${addr(r.toAddress)}:${port(r.toPort)}`;
    }
    case "exempt":
      return `ip saddr ${cidr(r.saddr)} ip daddr ${EXEMPT_DADDR}${oif(r.oifname)} return`;
    case "masquerade": {
      const l4 = r.unprivilegedPorts ? " meta l4proto { tcp, udp } masquerade to :1024-65535" : " masquerade";
      return `ip saddr ${cidr(r.saddr)} ip daddr != ${cidr(r.notDaddr)}${oif(r.oifname)}${l4}`;
    }
    case "hairpin":
      return `ip saddr ${cidr(r.net)} ip daddr ${cidr(r.net)} ct status dnat masquerade`;
    default:
      throw new Error(`cannot render a rule that is not ours: ${(r as { expr?: string }).expr}`);
  }
}

function renderChain(c: NatChain): string {
  const head = `\tchain ${ident(c.name, "chain")} {\n\t\ttype ${ident(c.type, "chain type")} hook ${ident(c.hook, "hook")} priority ${Math.trunc(c.priority)}; policy ${ident(c.policy, "policy")};\n`;
  return head + c.rules.map((r) => `\t\t${renderNatRule(r)}\n`).join("") + "\t}\n";
}

/**
 * A comment nft can carry inside double quotes: no quote, backslash or non-printable character (so characters are
 * bytes), at most 128. A longer text keeps its head and its last 13 characters (an owner label's `#tag`), with a
 * hash of the whole text between, so two long labels that differ only in the middle stay different. Pure.
 */
export function safeComment(text: string): string {
  const s = text.replace(/["\\]|[^\x20-\x7e]/g, "_");
  if (s.length <= NFT_COMMENT_MAX) return s;
  const hash = `~${createHash("sha256").update(s).digest("hex").slice(0, 12)}~`;
  return s.slice(0, NFT_COMMENT_MAX - hash.length - 13) + hash + s.slice(-13);
}

/**
 * The whole table as one `nft -f` transaction that replaces it atomically: `table` (adds it when missing, so the
 * delete cannot fail), `delete table`, then the table with every chain and rule. nft commits the file as one batch:
 * there is no moment without rules, and a load that fails changes nothing. The new table has no flags (`dormant`)
 * and nothing but the chains: whatever was added to the old one goes with it. Pure.
 */
export function renderNatTable(tableName: string, comment: string | undefined, table: NatTable): string {
  const name = ident(tableName, "table");
  if (table.flags.length > 0 || table.foreign.length > 0) throw new Error(`a plan has no table flags or sets: ${JSON.stringify(table)}`);
  const c = comment !== undefined ? `\tcomment "${safeComment(comment)}"\n` : "";
  return `table ip ${name}\ndelete table ip ${name}\ntable ip ${name} {\n${c}${table.chains.map(renderChain).join("\n")}}\n`;
}

/** The transaction that removes the table (fails with "No such file or directory" when it is not there). Pure. */
export function renderNatTableDelete(tableName: string): string {
  return `delete table ip ${ident(tableName, "table")}\n`;
}
