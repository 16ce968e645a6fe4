import { isIpv4 } from "../ip/ipv4";
import { LOOPBACK_NET, type NatChain, type NatRule, type NatTable } from "./nat-model";

/** nft identifiers we write (table, chain, hook, policy names): never quoted, so never anything else. */
const IDENT = /^[A-Za-z][A-Za-z0-9_.-]*$/;
const INTERFACE = /^[A-Za-z0-9_.@+-]{1,15}$/;

function ident(s: string, what: string): string {
  if (!IDENT.test(s)) throw new Error(`invalid nft ${what} ${JSON.stringify(s)}`);
  return s;
}

function addr(s: string): string {
  if (!isIpv4(s)) throw new Error(`invalid IPv4 address ${JSON.stringify(s)}`);
  return s;
}

function cidr(s: string): string {
  const [a, len, ...rest] = s.split("/");
  if (rest.length || a === undefined || len === undefined || !/^([0-9]|[12]\d|3[0-2])$/.test(len)) throw new Error(`invalid IPv4 network ${JSON.stringify(s)}`);
  return `${addr(a)}/${len}`;
}

function port(n: number): number {
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new Error(`invalid port ${n}`);
  return n;
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
    case "masquerade": {
      if (r.oifname !== undefined && !INTERFACE.test(r.oifname)) throw new Error(`invalid interface name ${JSON.stringify(r.oifname)}`);
      const oif = r.oifname !== undefined ? ` oifname "${r.oifname}"` : "";
      return `ip saddr ${cidr(r.saddr)} ip daddr != ${cidr(r.notDaddr)}${oif} masquerade`;
    }
    default:
      throw new Error(`cannot render a rule that is not ours: ${r.expr}`);
  }
}

function renderChain(c: NatChain): string {
  const head = `\tchain ${ident(c.name, "chain")} {\n\t\ttype ${ident(c.type, "chain type")} hook ${ident(c.hook, "hook")} priority ${Math.trunc(c.priority)}; policy ${ident(c.policy, "policy")};\n`;
  return head + c.rules.map((r) => `\t\t${renderNatRule(r)}\n`).join("") + "\t}\n";
}

/** A comment nft can carry inside double quotes: no quote, backslash or control character, at most 128 bytes. Pure. */
export function safeComment(text: string): string {
  return text.replace(/["\\\x00-\x1f\x7f]/g, "_").slice(0, 128);
}

/**
 * The whole table as one `nft -f` transaction that replaces it atomically: `table` (adds it when missing, so the
 * delete cannot fail), `delete table`, then the table with every chain and rule. nft commits the file as one batch:
 * there is no moment without rules, and a load that fails changes nothing. Pure.
 */
export function renderNatTable(tableName: string, comment: string | undefined, table: NatTable): string {
  const name = ident(tableName, "table");
  const c = comment !== undefined ? `\tcomment "${safeComment(comment)}"\n` : "";
  return `table ip ${name}\ndelete table ip ${name}\ntable ip ${name} {\n${c}${table.chains.map(renderChain).join("\n")}}\n`;
}

/** The transaction that removes the table (fails with "No such file or directory" when it is not there). Pure. */
export function renderNatTableDelete(tableName: string): string {
  return `delete table ip ${ident(tableName, "table")}\n`;
}
