import { z } from "zod";
import type { DnatRule, ExemptRule, HairpinRule, MasqueradeRule, NatChain, NatRule, NatTable } from "./nat-model";

// Schemas are built on demand (never module-level zod instances: they must not be captured by serialized closures).

function payload(protocol: z.ZodTypeAny, field: string) {
  return z.object({ payload: z.object({ protocol, field: z.literal(field) }).strict() }).strict();
}

/** `{"match": {op, left, right}}` with the given parts, nothing else. */
function match(op: "==" | "!=" | "in", left: z.ZodTypeAny, right: z.ZodTypeAny) {
  return z.object({ match: z.object({ op: z.literal(op), left, right }).strict() }).strict();
}

/** An IPv4 network as nft -j prints it: `{"prefix": {addr, len}}`, or a bare address for a /32. */
function networkSchema() {
  return z.union([
    z.object({ prefix: z.object({ addr: z.string(), len: z.number().int() }).strict() }).strict().transform((p) => `${p.prefix.addr}/${p.prefix.len}`),
    z.string().transform((a) => `${a}/32`),
  ]);
}

/** The expression shapes our renderer writes, one schema each. */
function exprSchemas() {
  const ip = z.literal("ip");
  return {
    daddr: match("==", payload(ip, "daddr"), z.string()),
    fibLocal: match("==", z.object({ fib: z.object({ result: z.literal("type"), flags: z.tuple([z.literal("daddr")]) }).strict() }).strict(), z.literal("local")),
    notLoopback: match("!=", payload(ip, "daddr"), z.object({ prefix: z.object({ addr: z.literal("127.0.0.0"), len: z.literal(8) }).strict() }).strict()),
    dport: match("==", payload(z.enum(["tcp", "udp"]), "dport"), z.number().int()),
    dnat: z.object({ dnat: z.object({ addr: z.string(), port: z.number().int() }).strict() }).strict(),
    saddrNet: match("==", payload(ip, "saddr"), networkSchema()),
    daddrNotNet: match("!=", payload(ip, "daddr"), networkSchema()),
    oifname: match("==", z.object({ meta: z.object({ key: z.literal("oifname") }).strict() }).strict(), z.string()),
    masquerade: z.object({ masquerade: z.null() }).strict(),
    masqueradePorts: z.object({ masquerade: z.object({ port: z.object({ range: z.tuple([z.literal(1024), z.literal(65535)]) }).strict() }).strict() }).strict(),
    l4TcpUdp: match("==", z.object({ meta: z.object({ key: z.literal("l4proto") }).strict() }).strict(), z.object({ set: z.tuple([z.literal("tcp"), z.literal("udp")]) }).strict()),
    daddrExempt: match(
      "==",
      payload(ip, "daddr"),
      z.object({ set: z.tuple([z.object({ prefix: z.object({ addr: z.literal("224.0.0.0"), len: z.literal(24) }).strict() }).strict(), z.literal("255.255.255.255")]) }).strict(),
    ),
    ret: z.object({ return: z.null() }).strict(),
    daddrNet: match("==", payload(ip, "daddr"), networkSchema()),
    ctDnat: match("in", z.object({ ct: z.object({ key: z.literal("status") }).strict() }).strict(), z.literal("dnat")),
  };
}

type Exprs = ReturnType<typeof exprSchemas>;

/** Reads expressions in order; each `take` consumes the next one when it has the asked shape. */
class ExprCursor {
  private i = 0;
  constructor(private readonly expr: readonly unknown[]) {}
  take<T>(schema: z.ZodType<T, z.ZodTypeDef, unknown>): T | undefined {
    const r = schema.safeParse(this.expr[this.i]);
    if (!r.success) return undefined;
    this.i++;
    return r.data;
  }
  get done(): boolean {
    return this.i === this.expr.length;
  }
}

function asDnat(expr: readonly unknown[], s: Exprs): DnatRule | undefined {
  const c = new ExprCursor(expr);
  const daddr = c.take(s.daddr);
  const local = daddr === undefined ? c.take(s.fibLocal) : undefined;
  if (daddr === undefined && local === undefined) return undefined;
  const notLoopback = c.take(s.notLoopback) !== undefined;
  const dport = c.take(s.dport);
  const to = c.take(s.dnat);
  if (!dport || !to || !c.done) return undefined;
  const rule: DnatRule = { kind: "dnat", notLoopback, protocol: dport.match.left.payload.protocol, dport: dport.match.right, toAddress: to.dnat.addr, toPort: to.dnat.port };
  if (daddr) rule.daddr = daddr.match.right;
  return rule;
}

function asMasquerade(expr: readonly unknown[], s: Exprs): MasqueradeRule | undefined {
  const c = new ExprCursor(expr);
  const saddr = c.take(s.saddrNet);
  const notDaddr = c.take(s.daddrNotNet);
  const oif = c.take(s.oifname);
  const l4 = c.take(s.l4TcpUdp);
  const masq = l4 ? c.take(s.masqueradePorts) : c.take(s.masquerade);
  if (!saddr || !notDaddr || !masq || !c.done) return undefined;
  const rule: MasqueradeRule = { kind: "masquerade", saddr: saddr.match.right, notDaddr: notDaddr.match.right, unprivilegedPorts: l4 !== undefined };
  if (oif) rule.oifname = oif.match.right;
  return rule;
}

function asExempt(expr: readonly unknown[], s: Exprs): ExemptRule | undefined {
  const c = new ExprCursor(expr);
  const saddr = c.take(s.saddrNet);
  const daddr = c.take(s.daddrExempt);
  const oif = c.take(s.oifname);
  const ret = c.take(s.ret);
  if (!saddr || !daddr || !ret || !c.done) return undefined;
  const rule: ExemptRule = { kind: "exempt", saddr: saddr.match.right };
  if (oif) rule.oifname = oif.match.right;
  return rule;
}

function asHairpin(expr: readonly unknown[], s: Exprs): HairpinRule | undefined {
  const c = new ExprCursor(expr);
  const saddr = c.take(s.saddrNet);
  const daddr = c.take(s.daddrNet);
  const ct = c.take(s.ctDnat);
  const masq = c.take(s.masquerade);
  // One network on both sides: another pair is a hand edit, kept as "other".
  if (!saddr || !daddr || !ct || !masq || !c.done || saddr.match.right !== daddr.match.right) return undefined;
  return { kind: "hairpin", net: saddr.match.right };
}

/** One rule's expressions as our model; a rule we did not write (another shape, a comment) is kept as "other". Pure. */
export function parseNatRule(expr: readonly unknown[], comment?: string): NatRule {
  const s = exprSchemas();
  const ours = comment === undefined ? (asDnat(expr, s) ?? asExempt(expr, s) ?? asMasquerade(expr, s) ?? asHairpin(expr, s)) : undefined;
  return ours ?? { kind: "other", expr: JSON.stringify(comment === undefined ? expr : { expr, comment }) };
}

/** The listing's objects: ours by their key, and any other object of a table (set, map, counter, ...) by name. */
function listingSchema() {
  const chain = z.object({ table: z.string(), name: z.string(), type: z.string().optional(), hook: z.string().optional(), prio: z.number().optional(), policy: z.string().optional() });
  const rule = z.object({ table: z.string(), chain: z.string(), expr: z.array(z.unknown()), comment: z.string().optional() });
  const ours = new Set(["chain", "rule", "table", "metainfo"]);
  const object = z
    .record(z.object({ table: z.string(), name: z.string() }).passthrough())
    .refine((o) => Object.keys(o).length === 1 && !ours.has(Object.keys(o)[0]!), "an object that is not a chain, rule, table or metainfo, in the wrong shape")
    .transform((o) => Object.entries(o).map(([key, v]) => ({ key, table: v.table, name: v.name }))[0]!);
  return z.object({
    nftables: z.array(
      z.union([
        z.object({ chain }).strict(),
        z.object({ rule }).strict(),
        // nft 1.0.6 prints `flags` with a wrong value (the family or the table name): its presence is what counts.
        z.object({ table: z.object({ family: z.string(), name: z.string(), flags: z.unknown().optional() }) }).strict(),
        z.object({ metainfo: z.object({}).passthrough() }).strict(),
        object.transform((o) => ({ other: o })),
      ]),
    ),
  });
}

/** What `nft list table` (text) shows of a table itself: its comment and flags (`nft -j` 1.0.6 gets both wrong). */
export interface TableHeader {
  comment?: string;
  flags: string[];
}

/**
 * The header of a table in `nft list table` text: the lines one tab in, before its first chain, set or other object:
 * `comment "..."` and `flags a,b` in any order. Pure.
 */
export function parseTableHeader(text: string): TableHeader {
  const lines = text.split("\n");
  const start = lines.findIndex((l) => /^table \S+ \S+ \{$/.test(l));
  const header: TableHeader = { flags: [] };
  if (start < 0) return header;
  for (const line of lines.slice(start + 1)) {
    if (/^\t\S.*\{$/.test(line) || line === "}") break;
    const comment = /^\tcomment "((?:[^"\\]|\\.)*)"$/.exec(line);
    if (comment) header.comment = comment[1];
    const flags = /^\tflags (\S+)$/.exec(line);
    if (flags) header.flags = flags[1]!.split(",");
  }
  return header;
}

/**
 * `nft -j list table ip NAME` as our model: flags (from `header`, the text listing: nft -j 1.0.6 misprints them; a
 * flag -j shows that the text lacks reads as "unknown"), chains in the order listed, each with its rules, and any
 * other object of the table by `KIND NAME`. A chain that is not a base chain reads with empty type/hook, so it
 * differs from any plan. Throws, naming the problem, on output of another shape. Pure.
 */
export function parseNatTable(json: string, tableName: string, header: TableHeader = { flags: [] }): NatTable {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (e) {
    throw new Error(`nft -j printed text that is not JSON: ${(e as Error).message}`);
  }
  const r = listingSchema().safeParse(raw);
  if (!r.success) throw new Error(`unexpected nft -j output: ${r.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
  const chains: NatChain[] = [];
  const foreign: string[] = [];
  let flagged = false;
  for (const item of r.data.nftables) {
    if ("chain" in item && item.chain.table === tableName) {
      const c = item.chain;
      chains.push({ name: c.name, type: c.type ?? "", hook: c.hook ?? "", priority: c.prio ?? 0, policy: c.policy ?? "", rules: [] });
    }
    if ("table" in item && item.table.name === tableName && item.table.flags !== undefined) flagged = true;
    if ("other" in item && item.other.table === tableName) foreign.push(`${item.other.key} ${item.other.name}`);
  }
  for (const item of r.data.nftables) {
    if (!("rule" in item) || item.rule.table !== tableName) continue;
    const chain = chains.find((c) => c.name === item.rule.chain);
    if (!chain) throw new Error(`nft -j lists a rule of chain "${item.rule.chain}" before (or without) the chain itself`);
    chain.rules.push(parseNatRule(item.rule.expr, item.rule.comment));
  }
  const flags = header.flags.length > 0 ? [...header.flags] : flagged ? ["unknown"] : [];
  return { flags, foreign, chains };
}

/** Names of the `ip` tables in `nft -j list tables` output. Pure. */
export function parseTableNames(json: string, family = "ip"): string[] {
  const r = z.object({ nftables: z.array(z.record(z.unknown())) }).safeParse(JSON.parse(json));
  if (!r.success) throw new Error("unexpected nft -j list tables output");
  const table = z.object({ family: z.string(), name: z.string() });
  return r.data.nftables.flatMap((i) => {
    const t = table.safeParse(i.table);
    return t.success && t.data.family === family ? [t.data.name] : [];
  });
}
